/// The object a router's handlers call (central's endpoints, the node's local API). That object
/// owns the server, which owns the router, so the handlers must not retain it: they reach it
/// through this box, which holds it weakly and is filled in once the owner exists (the router
/// is made before the server, in the owner's initialiser). A request that arrives after the
/// owner is gone gets a 503 instead of a trap.
package final class RouteOwner<Owner: AnyObject> {
    package weak var owner: Owner?

    package init() {}

    /// A handler calling `body` with the owner.
    package func handler(_ body: @escaping (Owner, HTTPRequest, HTTPResponder) throws -> Void) -> HTTPHandler {
        { [self] request, responder in
            guard let owner else { throw HTTPError(.serviceUnavailable, "the server is shutting down") }
            try body(owner, request, responder)
        }
    }

    /// An `HTTPRouter.unmatched` answer calling `body` with the owner.
    package func unmatched(
        _ body: @escaping (Owner, HTTPRequest, HTTPResponder, [HTTPMethod]) -> Void
    ) -> (HTTPRequest, HTTPResponder, [HTTPMethod]) -> Void {
        { [self] request, responder, allowed in
            guard let owner else {
                return responder.fail(HTTPError(.serviceUnavailable, "the server is shutting down"))
            }
            body(owner, request, responder, allowed)
        }
    }
}
