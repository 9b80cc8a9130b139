import Testing

@testable import HTTP

@Suite("HTTP router")
struct RouterTests {
    static func makeRouter() -> HTTPRouter {
        var router = HTTPRouter()
        router.get("/orders/:id") { _, _ in }
        router.get("/orders/new") { _, _ in }
        router.post("/orders") { _, _ in }
        router.get("/files/*") { _, _ in }
        router.get("/") { _, _ in }
        return router
    }

    @Test func literalRoutesWinOverParameters() {
        let router = Self.makeRouter()
        #expect(router.describeMatch(method: .get, path: "/orders/new") == "found []")
        #expect(router.describeMatch(method: .get, path: "/orders/KCT-9") == "found [id=KCT-9]")
    }

    @Test func restSegmentsAndRoot() {
        let router = Self.makeRouter()
        #expect(router.describeMatch(method: .get, path: "/files/a/b/c.txt") == "found [*=a/b/c.txt]")
        #expect(router.describeMatch(method: .get, path: "/") == "found []")
    }

    @Test func wrongMethodListsAllowedOnes() {
        let router = Self.makeRouter()
        #expect(router.describeMatch(method: .delete, path: "/orders") == "405 POST")
        #expect(router.describeMatch(method: .get, path: "/orders") == "405 POST")
        #expect(router.describeMatch(method: .post, path: "/nothing") == "404")
        #expect(router.describeMatch(method: .get, path: "/orders/1/extra") == "404")
    }

    @Test func headFallsBackToGet() {
        let router = Self.makeRouter()
        #expect(router.describeMatch(method: .head, path: "/orders/7") == "found [id=7]")
    }
}

extension HTTPRouter {
    /// The outcome of matching, as text the tests compare.
    func describeMatch(method: HTTPMethod, path: String) -> String {
        switch match(method: method, path: path) {
        case .found(_, let parameters):
            "found [" + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                + "]"
        case .methodNotAllowed(let allowed):
            "405 " + allowed.map(\.name).joined(separator: ",")
        case .notFound:
            "404"
        }
    }
}
