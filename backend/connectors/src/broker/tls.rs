//! TLS for broker connections (MQTT over TLS, `wss://` feeds): rustls with the ring provider,
//! from Grafana's datasource TLS fields. The server is checked against `tlsCACert` when set,
//! else against the system's roots; `tlsClientCert` + `tlsClientKey` add a client
//! certificate; `tlsSkipVerify` turns checking off (self-signed test brokers only).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::Result;
use crate::settings::Settings;

/// TLS settings of a datasource. `Debug` shows whether each secret is set, never its value.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// PEM CA certificate(s) to trust instead of the system roots (`secureJsonData.tlsCACert`).
    ca_cert: Option<String>,
    /// PEM client certificate chain (`secureJsonData.tlsClientCert`).
    client_cert: Option<String>,
    /// PEM private key of the client certificate (`secureJsonData.tlsClientKey`).
    client_key: Option<String>,
    /// Accept any server certificate (`jsonData.tlsSkipVerify`).
    skip_verify: bool,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("ca_cert", &self.ca_cert.is_some())
            .field("client_cert", &self.client_cert.is_some())
            .field("client_key", &self.client_key.as_ref().map(|_| "<hidden>"))
            .field("skip_verify", &self.skip_verify)
            .finish()
    }
}

impl TlsSettings {
    /// Reads the TLS fields of a datasource, checking that the PEM texts parse.
    pub(crate) fn from_settings(s: Settings<'_>) -> Result<Self> {
        let skip_verify = match s.ds.json_data.get("tlsSkipVerify") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(other) => {
                return Err(s.error(format!(
                    "`jsonData.tlsSkipVerify` must be true or false, found {other}"
                )));
            }
        };
        let tls = TlsSettings {
            ca_cert: s.secret("tlsCACert").map(str::to_owned),
            client_cert: s.secret("tlsClientCert").map(str::to_owned),
            client_key: s.secret("tlsClientKey").map(str::to_owned),
            skip_verify,
        };
        if tls.client_cert.is_some() != tls.client_key.is_some() {
            return Err(s.error(
                "`secureJsonData.tlsClientCert` and `secureJsonData.tlsClientKey` go together",
            ));
        }
        tls.client_config().map_err(|e| s.error(e))?;
        Ok(tls)
    }

    /// Whether server certificates are accepted unchecked.
    pub fn skip_verify(&self) -> bool {
        self.skip_verify
    }

    /// The rustls client configuration; the error names the offending field.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        match &self.ca_cert {
            Some(pem) => {
                for cert in certificates(pem, "tlsCACert")? {
                    roots
                        .add(cert)
                        .map_err(|e| format!("`secureJsonData.tlsCACert`: {e}"))?;
                }
            }
            None => {
                let native = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(native.certs);
            }
        }
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots);
        let mut config = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let chain = certificates(cert, "tlsClientCert")?;
                let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| {
                    format!("`secureJsonData.tlsClientKey`: expected a PEM private key: {e}")
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("`secureJsonData.tlsClientCert`: {e}"))?
            }
            _ => builder.with_no_client_auth(),
        };
        if self.skip_verify {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(AcceptAnyServer(
                    provider.signature_verification_algorithms,
                )));
        }
        Ok(Arc::new(config))
    }
}

fn certificates(pem: &str, field: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`secureJsonData.{field}`: expected PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "`secureJsonData.{field}`: no PEM certificate (-----BEGIN CERTIFICATE-----) found"
        ));
    }
    Ok(certs)
}

/// `tlsSkipVerify`: any certificate is accepted, but handshake signatures are still checked.
#[derive(Debug)]
struct AcceptAnyServer(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
