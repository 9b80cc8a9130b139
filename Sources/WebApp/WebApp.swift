/// The staff's web app: the files of the repository's `web/` directory, embedded in the binary at
/// build time by the EmbedWebApp plugin (`Plugins/EmbedWebApp`), so a `kct` binary copied on its
/// own serves them. Plain HTML, CSS and JavaScript modules: no build step, nothing fetched at run
/// time. `Node` serves them (`WebAssets`).
package enum WebApp {
    /// Every file as its path under `web/` ("index.html", "js/main.js") and its text.
    package static var files: [(path: String, text: String)] { embedded }
}
