//! GetItemEstimate (MS-ASCMD 2.2.1.9): how many items a Sync would bring.

use kontor_wbxml::pages::{airsync as a, getitemestimate as gie};
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};
use crate::sync::FilterType;

/// One collection to estimate (it must have been synced once: key ≠ "0").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstimateRequest {
    pub collection_id: String,
    pub sync_key: String,
    pub filter_type: Option<FilterType>,
}

pub fn request(collections: &[EstimateRequest]) -> Element {
    let mut cs = Element::new(gie::Collections);
    for c in collections {
        let mut col = Element::new(gie::Collection)
            .with(Element::text(a::SyncKey, c.sync_key.clone()))
            .with(Element::text(gie::CollectionId, c.collection_id.clone()));
        if let Some(f) = c.filter_type {
            col.push(
                Element::new(a::Options).with(Element::text(a::FilterType, (f as u8).to_string())),
            );
        }
        cs.push(col);
    }
    Element::new(gie::GetItemEstimate).with(cs)
}

/// Estimates per collection id.
pub fn parse(doc: Option<Document>) -> Result<Vec<(String, u64)>, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("GetItemEstimate", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != gie::GetItemEstimate {
        return Err(EasError::protocol(
            "GetItemEstimate",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    let mut out = Vec::new();
    for r in root.children_with(gie::Response) {
        match r
            .child_text(gie::Status)
            .and_then(|s| s.trim().parse::<u16>().ok())
            .unwrap_or(1)
        {
            1 => {}
            2 => {
                return Err(EasError::Status {
                    command: "GetItemEstimate",
                    status: 2,
                    meaning: "invalid collection",
                });
            }
            3 => return Err(EasError::InvalidSyncKey),
            4 => return Err(EasError::InvalidSyncKey),
            c => return Err(common_status_error("GetItemEstimate", c)),
        }
        if let Some(c) = r.child(gie::Collection) {
            out.push((
                c.child_text(gie::CollectionId)
                    .unwrap_or_default()
                    .into_owned(),
                c.child_text(gie::Estimate)
                    .and_then(|e| e.trim().parse().ok())
                    .unwrap_or(0),
            ));
        }
    }
    Ok(out)
}
