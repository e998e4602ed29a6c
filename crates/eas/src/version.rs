//! Protocol versions and their negotiation from OPTIONS (MS-ASHTTP 2.2.4).

use std::fmt;

/// An ActiveSync protocol version this client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    V12_1,
    V14_0,
    V14_1,
    V16_0,
    V16_1,
}

impl ProtocolVersion {
    /// Order of preference: 16.1 where offered, else 14.1 (the Z-Push ceiling), 14.0, 12.1.
    pub const PREFERENCE: [ProtocolVersion; 4] = [
        ProtocolVersion::V16_1,
        ProtocolVersion::V14_1,
        ProtocolVersion::V14_0,
        ProtocolVersion::V12_1,
    ];

    /// The string used in `MS-ASProtocolVersion` headers.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V12_1 => "12.1",
            ProtocolVersion::V14_0 => "14.0",
            ProtocolVersion::V14_1 => "14.1",
            ProtocolVersion::V16_0 => "16.0",
            ProtocolVersion::V16_1 => "16.1",
        }
    }

    /// The byte used in the base64 query form (MS-ASHTTP 2.2.1.1.1.1: version × 10).
    pub fn as_byte(self) -> u8 {
        match self {
            ProtocolVersion::V12_1 => 121,
            ProtocolVersion::V14_0 => 140,
            ProtocolVersion::V14_1 => 141,
            ProtocolVersion::V16_0 => 160,
            ProtocolVersion::V16_1 => 161,
        }
    }

    /// Parses `"14.1"` and friends.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "12.1" => ProtocolVersion::V12_1,
            "14.0" => ProtocolVersion::V14_0,
            "14.1" => ProtocolVersion::V14_1,
            "16.0" => ProtocolVersion::V16_0,
            "16.1" => ProtocolVersion::V16_1,
            _ => return None,
        })
    }

    /// Picks the preferred version among those a server offers.
    pub fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let offered: Vec<ProtocolVersion> = offered
            .into_iter()
            .filter_map(ProtocolVersion::parse)
            .collect();
        ProtocolVersion::PREFERENCE
            .into_iter()
            .find(|v| offered.contains(v))
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ProtocolVersion as V;

    #[test]
    fn negotiation() {
        assert_eq!(
            V::negotiate("2.5,12.0,12.1,14.0,14.1".split(',')),
            Some(V::V14_1)
        );
        assert_eq!(
            V::negotiate("2.5,12.0,12.1,14.0,14.1,16.0,16.1".split(',')),
            Some(V::V16_1)
        );
        assert_eq!(V::negotiate("12.0, 12.1, 14.0".split(',')), Some(V::V14_0));
        assert_eq!(V::negotiate("2.5,12.0,12.1".split(',')), Some(V::V12_1));
        assert_eq!(V::negotiate("2.5,12.0".split(',')), None);
        assert_eq!(V::negotiate("14.1,16.0".split(',')), Some(V::V14_1));
    }
}
