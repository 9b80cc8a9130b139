import EventLoop
import HTTP
import Synchronization

/// A loopback endpoint that keeps every request posted to it (raw body and headers) and answers
/// with a status the test chooses: where stand-ins send webhooks when no central is running.
package final class WebhookRecorder: Sendable {
    package struct Delivery: Sendable {
        package var path: String
        package var headers: HTTPHeaders
        package var body: [UInt8]
    }

    private let server: StandInServer
    private let shared: Shared

    package var url: String { server.baseURL + "/webhooks" }

    private final class Shared: Sendable {
        let deliveries = Mutex<[Delivery]>([])
    }

    private init(server: StandInServer, shared: Shared) {
        self.server = server
        self.shared = shared
    }

    /// `status` decides each answer from the delivery (200 by default).
    package static func start(status: @escaping @Sendable (Delivery) -> Int = { _ in 200 }) async throws
        -> WebhookRecorder
    {
        let shared = Shared()
        let server = try await StandInServer.start(name: "webhook-recorder") { _, router in
            router.post("/webhooks") { request, responder in
                let delivery = Delivery(path: request.path, headers: request.headers, body: request.body)
                shared.deliveries.withLock { $0.append(delivery) }
                responder.send(HTTPResponse(status: HTTPStatus(status(delivery))))
            }
        }
        return WebhookRecorder(server: server, shared: shared)
    }

    package var deliveries: [Delivery] { shared.deliveries.withLock { $0 } }

    package func stop() async throws { try await server.stop() }
}
