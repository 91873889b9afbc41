//! Debian's chromium, headless, driven over WebDriver by chromedriver: for the live page's
//! test. chromedriver listens on 127.0.0.1 only, and chromium is kept off the network
//! (every host name but 127.0.0.1 fails to resolve; no background requests).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// One browser session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// A headless chromium of 1280×800, with `extra` arguments.
    pub async fn start(extra: &[&str]) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium-driver; .ci/run installs it)");
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,800",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ];
        args.extend_from_slice(extra);
        let capabilities = json!({
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Browser { client, driver },
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("no WebDriver session from chromedriver at {url}: {last_error}");
    }

    /// Loads the page at `/` of the exporter at `addr`.
    pub async fn open(&self, addr: std::net::SocketAddr) {
        let url = format!("http://{addr}/");
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    /// The value of the JavaScript `expression`.
    pub async fn eval(&self, expression: &str) -> Value {
        self.client
            .execute(&format!("return ({expression});"), Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{expression}: {e}"))
    }

    /// The first element that matches the CSS `selector`.
    pub async fn element(&self, selector: &str) -> fantoccini::elements::Element {
        self.client
            .find(fantoccini::Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
    }

    /// Resizes the window so that the page's viewport is `width`×`height`.
    pub async fn viewport(&self, width: u32, height: u32) {
        let frame = |dimension: &str| format!("window.outer{dimension} - window.inner{dimension}");
        let extra_width = self.eval(&frame("Width")).await.as_u64().unwrap_or(0) as u32;
        let extra_height = self.eval(&frame("Height")).await.as_u64().unwrap_or(0) as u32;
        self.client
            .set_window_size(width + extra_width, height + extra_height)
            .await
            .expect("resize the window");
        let size = format!("window.innerWidth === {width} && window.innerHeight === {height}");
        self.wait_for(&format!("a {width}×{height} viewport"), 5, &size)
            .await;
    }

    /// Waits up to `seconds` until `expression` is true; panics naming `what` if not.
    pub async fn wait_for(&self, what: &str, seconds: u64, expression: &str) {
        for _ in 0..seconds * 5 {
            if self.eval(expression).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{what}: not within {seconds} s ({expression})");
    }

    /// Ends the session and chromium.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
