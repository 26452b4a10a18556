//! The device description and the services' SCPDs (UPnP Device Architecture 1.0,
//! MediaServer:1 with ContentDirectory:1 and ConnectionManager:1).

use super::xml::escape;

pub const DEVICE_TYPE: &str = "urn:schemas-upnp-org:device:MediaServer:1";
pub const CONTENT_DIRECTORY: &str = "urn:schemas-upnp-org:service:ContentDirectory:1";
pub const CONNECTION_MANAGER: &str = "urn:schemas-upnp-org:service:ConnectionManager:1";

/// The device description at `/dlna/description.xml`.
pub fn device(uuid: &str, friendly_name: &str, base: &str) -> String {
    let name = escape(friendly_name);
    let version = env!("CARGO_PKG_VERSION");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<root xmlns="urn:schemas-upnp-org:device-1-0" xmlns:dlna="urn:schemas-dlna-org:device-1-0" xmlns:sec="http://www.sec.co.kr/dlna">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>{DEVICE_TYPE}</deviceType>
<friendlyName>{name}</friendlyName>
<manufacturer>homestream</manufacturer>
<manufacturerURL>https://github.com/homestream</manufacturerURL>
<modelDescription>homestream media server</modelDescription>
<modelName>homestream</modelName>
<modelNumber>{version}</modelNumber>
<serialNumber>{uuid}</serialNumber>
<UDN>uuid:{uuid}</UDN>
<dlna:X_DLNADOC>DMS-1.50</dlna:X_DLNADOC>
<sec:ProductCap>smi,DCM10,getMediaInfo.sec,getCaptionInfo.sec</sec:ProductCap>
<presentationURL>{base}/</presentationURL>
<serviceList>
<service>
<serviceType>{CONTENT_DIRECTORY}</serviceType>
<serviceId>urn:upnp-org:serviceId:ContentDirectory</serviceId>
<SCPDURL>/dlna/ContentDirectory.xml</SCPDURL>
<controlURL>/dlna/control/ContentDirectory</controlURL>
<eventSubURL>/dlna/event/ContentDirectory</eventSubURL>
</service>
<service>
<serviceType>{CONNECTION_MANAGER}</serviceType>
<serviceId>urn:upnp-org:serviceId:ConnectionManager</serviceId>
<SCPDURL>/dlna/ConnectionManager.xml</SCPDURL>
<controlURL>/dlna/control/ConnectionManager</controlURL>
<eventSubURL>/dlna/event/ConnectionManager</eventSubURL>
</service>
</serviceList>
</device>
</root>
"#
    )
}

/// One SCPD action: its name and arguments (name, direction, related state variable).
type Action = (&'static str, &'static [(&'static str, bool, &'static str)]);

fn scpd(actions: &[Action], variables: &[(&str, &str, bool, &[&str])]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <scpd xmlns=\"urn:schemas-upnp-org:service-1-0\">\n\
         <specVersion><major>1</major><minor>0</minor></specVersion>\n<actionList>\n",
    );
    for (name, args) in actions {
        out.push_str(&format!("<action><name>{name}</name><argumentList>"));
        for (arg, input, related) in *args {
            let direction = if *input { "in" } else { "out" };
            out.push_str(&format!(
                "<argument><name>{arg}</name><direction>{direction}</direction>\
                 <relatedStateVariable>{related}</relatedStateVariable></argument>"
            ));
        }
        out.push_str("</argumentList></action>\n");
    }
    out.push_str("</actionList>\n<serviceStateTable>\n");
    for (name, ty, events, allowed) in variables {
        let events = if *events { "yes" } else { "no" };
        out.push_str(&format!(
            "<stateVariable sendEvents=\"{events}\"><name>{name}</name><dataType>{ty}</dataType>"
        ));
        if !allowed.is_empty() {
            out.push_str("<allowedValueList>");
            for v in *allowed {
                out.push_str(&format!("<allowedValue>{v}</allowedValue>"));
            }
            out.push_str("</allowedValueList>");
        }
        out.push_str("</stateVariable>\n");
    }
    out.push_str("</serviceStateTable>\n</scpd>\n");
    out
}

/// ContentDirectory:1's SCPD.
pub fn content_directory() -> String {
    const IN: bool = true;
    const OUT: bool = false;
    scpd(
        &[
            (
                "Browse",
                &[
                    ("ObjectID", IN, "A_ARG_TYPE_ObjectID"),
                    ("BrowseFlag", IN, "A_ARG_TYPE_BrowseFlag"),
                    ("Filter", IN, "A_ARG_TYPE_Filter"),
                    ("StartingIndex", IN, "A_ARG_TYPE_Index"),
                    ("RequestedCount", IN, "A_ARG_TYPE_Count"),
                    ("SortCriteria", IN, "A_ARG_TYPE_SortCriteria"),
                    ("Result", OUT, "A_ARG_TYPE_Result"),
                    ("NumberReturned", OUT, "A_ARG_TYPE_Count"),
                    ("TotalMatches", OUT, "A_ARG_TYPE_Count"),
                    ("UpdateID", OUT, "A_ARG_TYPE_UpdateID"),
                ],
            ),
            (
                "Search",
                &[
                    ("ContainerID", IN, "A_ARG_TYPE_ObjectID"),
                    ("SearchCriteria", IN, "A_ARG_TYPE_SearchCriteria"),
                    ("Filter", IN, "A_ARG_TYPE_Filter"),
                    ("StartingIndex", IN, "A_ARG_TYPE_Index"),
                    ("RequestedCount", IN, "A_ARG_TYPE_Count"),
                    ("SortCriteria", IN, "A_ARG_TYPE_SortCriteria"),
                    ("Result", OUT, "A_ARG_TYPE_Result"),
                    ("NumberReturned", OUT, "A_ARG_TYPE_Count"),
                    ("TotalMatches", OUT, "A_ARG_TYPE_Count"),
                    ("UpdateID", OUT, "A_ARG_TYPE_UpdateID"),
                ],
            ),
            (
                "GetSearchCapabilities",
                &[("SearchCaps", OUT, "SearchCapabilities")],
            ),
            (
                "GetSortCapabilities",
                &[("SortCaps", OUT, "SortCapabilities")],
            ),
            ("GetSystemUpdateID", &[("Id", OUT, "SystemUpdateID")]),
        ],
        &[
            ("A_ARG_TYPE_ObjectID", "string", false, &[]),
            (
                "A_ARG_TYPE_BrowseFlag",
                "string",
                false,
                &["BrowseMetadata", "BrowseDirectChildren"],
            ),
            ("A_ARG_TYPE_Filter", "string", false, &[]),
            ("A_ARG_TYPE_Index", "ui4", false, &[]),
            ("A_ARG_TYPE_Count", "ui4", false, &[]),
            ("A_ARG_TYPE_SortCriteria", "string", false, &[]),
            ("A_ARG_TYPE_SearchCriteria", "string", false, &[]),
            ("A_ARG_TYPE_Result", "string", false, &[]),
            ("A_ARG_TYPE_UpdateID", "ui4", false, &[]),
            ("SearchCapabilities", "string", false, &[]),
            ("SortCapabilities", "string", false, &[]),
            ("SystemUpdateID", "ui4", true, &[]),
        ],
    )
}

/// ConnectionManager:1's SCPD.
pub fn connection_manager() -> String {
    const IN: bool = true;
    const OUT: bool = false;
    scpd(
        &[
            (
                "GetProtocolInfo",
                &[
                    ("Source", OUT, "SourceProtocolInfo"),
                    ("Sink", OUT, "SinkProtocolInfo"),
                ],
            ),
            (
                "GetCurrentConnectionIDs",
                &[("ConnectionIDs", OUT, "CurrentConnectionIDs")],
            ),
            (
                "GetCurrentConnectionInfo",
                &[
                    ("ConnectionID", IN, "A_ARG_TYPE_ConnectionID"),
                    ("RcsID", OUT, "A_ARG_TYPE_RcsID"),
                    ("AVTransportID", OUT, "A_ARG_TYPE_AVTransportID"),
                    ("ProtocolInfo", OUT, "A_ARG_TYPE_ProtocolInfo"),
                    ("PeerConnectionManager", OUT, "A_ARG_TYPE_ConnectionManager"),
                    ("PeerConnectionID", OUT, "A_ARG_TYPE_ConnectionID"),
                    ("Direction", OUT, "A_ARG_TYPE_Direction"),
                    ("Status", OUT, "A_ARG_TYPE_ConnectionStatus"),
                ],
            ),
        ],
        &[
            ("SourceProtocolInfo", "string", true, &[]),
            ("SinkProtocolInfo", "string", true, &[]),
            ("CurrentConnectionIDs", "string", true, &[]),
            (
                "A_ARG_TYPE_ConnectionStatus",
                "string",
                false,
                &[
                    "OK",
                    "ContentFormatMismatch",
                    "InsufficientBandwidth",
                    "UnreliableChannel",
                    "Unknown",
                ],
            ),
            ("A_ARG_TYPE_ConnectionManager", "string", false, &[]),
            (
                "A_ARG_TYPE_Direction",
                "string",
                false,
                &["Input", "Output"],
            ),
            ("A_ARG_TYPE_ProtocolInfo", "string", false, &[]),
            ("A_ARG_TYPE_ConnectionID", "i4", false, &[]),
            ("A_ARG_TYPE_AVTransportID", "i4", false, &[]),
            ("A_ARG_TYPE_RcsID", "i4", false, &[]),
        ],
    )
}
