//! The Contacts class (MS-ASCNTC 2.2.2, with the Contacts2 code page): reading contacts from
//! Sync `ApplicationData` and writing them for a client Add or Change.
//!
//! Values stay as ActiveSync sends them (dates as MS-ASDTYPE date-time strings such as
//! `1980-04-12T00:00:00.000Z`), so this crate needs no date library. Reading is lenient: an
//! unknown element is ignored, a date that is not a date-time is dropped with a trace.
//!
//! A Change replaces the contact: properties the client leaves out are removed on the server
//! (MS-ASCMD 2.2.3.24.2; unless the collection's `Supported` list says otherwise, which Kontor
//! does not use). Send the whole contact, as [`Contact::to_application_data`] does.

use base64::Engine as _;
use kontor_wbxml::pages::{airsync as a, contacts as c, contacts2 as c2};
use kontor_wbxml::{Bytes, Element};

use crate::appdata::{body, body_element, date_time, is_date_time, list, list_element, text};
use crate::error::EasError;

macro_rules! contact {
    ($( $(#[$doc:meta])* $field:ident = $tag:path ),* $(,)?) => {
        /// A contact as ActiveSync carries it (MS-ASCNTC 2.2.2). Every text property is
        /// `Some` only when the server sent a non-empty value.
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct Contact {
            $( $(#[$doc])* pub $field: Option<String>, )*
            /// `Birthday` (date-time; Exchange stores the day at local midnight in UTC).
            pub birthday: Option<String>,
            /// `Anniversary` (date-time).
            pub anniversary: Option<String>,
            /// Notes, as plain text (`airsyncbase:Body`, or `Body` from 2.5 servers).
            pub body: Option<String>,
            /// `Categories`/`Category`.
            pub categories: Vec<String>,
            /// `Children`/`Child`: names of the contact's children.
            pub children: Vec<String>,
            /// `Picture`, already base64-decoded (a JPEG on Exchange).
            pub picture: Option<Bytes>,
        }

        impl Contact {
            fn read_text(&mut self, d: &Element) {
                $( self.$field = text(d, $tag); )*
            }

            fn write_text(&self, d: &mut Element) {
                $(
                    if let Some(v) = &self.$field {
                        d.push(Element::text($tag, v.clone()));
                    }
                )*
            }
        }
    };
}

contact! {
    /// `AssistantName`.
    assistant_name = c::AssistantName,
    /// `AssistantPhoneNumber`.
    assistant_phone_number = c::AssistantPhoneNumber,
    /// `Business2PhoneNumber`.
    business2_phone_number = c::Business2PhoneNumber,
    /// `BusinessAddressCity`.
    business_address_city = c::BusinessAddressCity,
    /// `BusinessAddressCountry`.
    business_address_country = c::BusinessAddressCountry,
    /// `BusinessAddressPostalCode`.
    business_address_postal_code = c::BusinessAddressPostalCode,
    /// `BusinessAddressState`.
    business_address_state = c::BusinessAddressState,
    /// `BusinessAddressStreet`.
    business_address_street = c::BusinessAddressStreet,
    /// `BusinessFaxNumber`.
    business_fax_number = c::BusinessFaxNumber,
    /// `BusinessPhoneNumber`.
    business_phone_number = c::BusinessPhoneNumber,
    /// `CarPhoneNumber`.
    car_phone_number = c::CarPhoneNumber,
    /// `CompanyName`.
    company_name = c::CompanyName,
    /// `Department`.
    department = c::Department,
    /// `Email1Address`, in RFC 5322 form (`"Name" <addr>` or a bare address).
    email1_address = c::Email1Address,
    /// `Email2Address`.
    email2_address = c::Email2Address,
    /// `Email3Address`.
    email3_address = c::Email3Address,
    /// `FileAs`: how the contact is filed ("Last, First").
    file_as = c::FileAs,
    /// `FirstName`.
    first_name = c::FirstName,
    /// `Home2PhoneNumber`.
    home2_phone_number = c::Home2PhoneNumber,
    /// `HomeAddressCity`.
    home_address_city = c::HomeAddressCity,
    /// `HomeAddressCountry`.
    home_address_country = c::HomeAddressCountry,
    /// `HomeAddressPostalCode`.
    home_address_postal_code = c::HomeAddressPostalCode,
    /// `HomeAddressState`.
    home_address_state = c::HomeAddressState,
    /// `HomeAddressStreet`.
    home_address_street = c::HomeAddressStreet,
    /// `HomeFaxNumber`.
    home_fax_number = c::HomeFaxNumber,
    /// `HomePhoneNumber`.
    home_phone_number = c::HomePhoneNumber,
    /// `JobTitle`.
    job_title = c::JobTitle,
    /// `LastName`.
    last_name = c::LastName,
    /// `MiddleName`.
    middle_name = c::MiddleName,
    /// `MobilePhoneNumber`.
    mobile_phone_number = c::MobilePhoneNumber,
    /// `OfficeLocation`.
    office_location = c::OfficeLocation,
    /// `OtherAddressCity`.
    other_address_city = c::OtherAddressCity,
    /// `OtherAddressCountry`.
    other_address_country = c::OtherAddressCountry,
    /// `OtherAddressPostalCode`.
    other_address_postal_code = c::OtherAddressPostalCode,
    /// `OtherAddressState`.
    other_address_state = c::OtherAddressState,
    /// `OtherAddressStreet`.
    other_address_street = c::OtherAddressStreet,
    /// `PagerNumber`.
    pager_number = c::PagerNumber,
    /// `RadioPhoneNumber`.
    radio_phone_number = c::RadioPhoneNumber,
    /// `Spouse`.
    spouse = c::Spouse,
    /// `Suffix` ("Jr.").
    suffix = c::Suffix,
    /// `Title` ("Dr.").
    title = c::Title,
    /// `WebPage`.
    web_page = c::WebPage,
    /// `YomiCompanyName` (Japanese phonetic reading).
    yomi_company_name = c::YomiCompanyName,
    /// `YomiFirstName`.
    yomi_first_name = c::YomiFirstName,
    /// `YomiLastName`.
    yomi_last_name = c::YomiLastName,
    /// `contacts2:CustomerId`.
    customer_id = c2::CustomerId,
    /// `contacts2:GovernmentId`.
    government_id = c2::GovernmentId,
    /// `contacts2:IMAddress`.
    im_address = c2::IMAddress,
    /// `contacts2:IMAddress2`.
    im_address2 = c2::IMAddress2,
    /// `contacts2:IMAddress3`.
    im_address3 = c2::IMAddress3,
    /// `contacts2:ManagerName`.
    manager_name = c2::ManagerName,
    /// `contacts2:CompanyMainPhone`.
    company_main_phone = c2::CompanyMainPhone,
    /// `contacts2:AccountName`.
    account_name = c2::AccountName,
    /// `contacts2:NickName`.
    nick_name = c2::NickName,
    /// `contacts2:MMS`.
    mms = c2::MMS,
}

impl Contact {
    /// Reads an `ApplicationData` element of a Contacts collection.
    pub fn from_application_data(d: &Element) -> Self {
        let mut x = Contact {
            birthday: date_time(d, c::Birthday),
            anniversary: date_time(d, c::Anniversary),
            body: body(d, c::Body),
            categories: list(d, c::Categories, c::Category),
            children: list(d, c::Children, c::Child),
            picture: text(d, c::Picture).and_then(|p| {
                let p: String = p.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(p)
                    .map(Bytes::from)
                    .map_err(|e| tracing::trace!(error = %e, "contact Picture is not base64"))
                    .ok()
            }),
            ..Contact::default()
        };
        x.read_text(d);
        x
    }

    /// Writes the contact as `ApplicationData` for a Sync Add or Change. Strict: a birthday
    /// or anniversary that is not a date-time is refused rather than sent.
    pub fn to_application_data(&self) -> Result<Element, EasError> {
        let mut d = Element::new(a::ApplicationData);
        for (name, v) in [
            ("Anniversary", &self.anniversary),
            ("Birthday", &self.birthday),
        ] {
            if let Some(v) = v
                && !is_date_time(v)
            {
                return Err(EasError::InvalidItem {
                    class: "Contacts",
                    detail: format!("{name} {v:?} is not a date-time"),
                });
            }
        }
        if let Some(v) = &self.anniversary {
            d.push(Element::text(c::Anniversary, v.clone()));
        }
        if let Some(v) = &self.birthday {
            d.push(Element::text(c::Birthday, v.clone()));
        }
        if let Some(b) = &self.body {
            d.push(body_element(b));
        }
        d = d
            .with_opt(list_element(c::Categories, c::Category, &self.categories))
            .with_opt(list_element(c::Children, c::Child, &self.children));
        self.write_text(&mut d);
        if let Some(p) = &self.picture {
            d.push(Element::text(
                c::Picture,
                base64::engine::general_purpose::STANDARD.encode(p),
            ));
        }
        Ok(d)
    }

    /// The name to show: `FileAs`, else "First Last", else the company, else the first
    /// e-mail address.
    pub fn display_name(&self) -> Option<String> {
        if let Some(f) = &self.file_as {
            return Some(f.clone());
        }
        let name = [&self.first_name, &self.middle_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            return Some(name);
        }
        self.company_name
            .clone()
            .or_else(|| self.email1_address.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Contact {
        Contact {
            first_name: Some("Erika".into()),
            middle_name: Some("Maria".into()),
            last_name: Some("Mustermann".into()),
            title: Some("Dr.".into()),
            file_as: Some("Mustermann, Erika".into()),
            company_name: Some("Kontor GmbH".into()),
            department: Some("Vertrieb".into()),
            job_title: Some("Leiterin Vertrieb".into()),
            email1_address: Some("erika.mustermann@kontor.test".into()),
            email2_address: Some("erika@example.org".into()),
            business_phone_number: Some("+49 30 1234567".into()),
            mobile_phone_number: Some("+49 170 7654321".into()),
            business_address_street: Some("Straße des 17. Juni 135".into()),
            business_address_city: Some("Berlin".into()),
            business_address_postal_code: Some("10623".into()),
            business_address_country: Some("Deutschland".into()),
            web_page: Some("https://kontor.test/erika".into()),
            birthday: Some("1980-04-12T00:00:00.000Z".into()),
            body: Some("Grüße aus Berlin".into()),
            categories: vec!["Kunden".into()],
            children: vec!["Max".into(), "Lena".into()],
            nick_name: Some("Eri".into()),
            im_address: Some("xmpp:erika@kontor.test".into()),
            picture: Some(Bytes::from_static(b"\xff\xd8\xff\xe0 not really a jpeg")),
            ..Contact::default()
        }
    }

    #[test]
    fn contact_round_trips_through_wbxml() {
        let x = sample();
        let bytes = kontor_wbxml::encode(&x.to_application_data().unwrap()).unwrap();
        let back =
            Contact::from_application_data(&kontor_wbxml::decode(bytes).unwrap().to_element());
        assert_eq!(back, x);
        assert_eq!(back.display_name().as_deref(), Some("Mustermann, Erika"));
    }

    #[test]
    fn lenient_in_strict_out() {
        let d = Element::new(a::ApplicationData)
            .with(Element::text(c::FirstName, "Bob"))
            .with(Element::new(c::LastName))
            .with(Element::text(c::Birthday, "(null)"))
            .with(Element::text(c::Picture, "***"))
            .with(Element::text(c::Body, "2.5 body"));
        let x = Contact::from_application_data(&d);
        assert_eq!(x.first_name.as_deref(), Some("Bob"));
        assert_eq!(x.last_name, None);
        assert_eq!(x.birthday, None);
        assert_eq!(x.picture, None);
        assert_eq!(x.body.as_deref(), Some("2.5 body"));
        assert_eq!(x.display_name().as_deref(), Some("Bob"));

        let bad = Contact {
            anniversary: Some("12.04.1980".into()),
            ..Contact::default()
        };
        let err = bad.to_application_data().unwrap_err();
        assert!(
            matches!(
                err,
                EasError::InvalidItem {
                    class: "Contacts",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
