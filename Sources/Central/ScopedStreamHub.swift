import EventLoop
import HTTP

/// Central's `GET /v1/stream` subscribers by scope: one `EventStreamHub` per shop, created on its
/// first subscriber, and one for the nodes of scope `all`. An event reaches the streams of the
/// shops it concerns (and every `all` stream), so a node is neither told nor woken by another
/// shop's edits. Loop-confined, like the hubs.
final class ScopedStreamHub {
    let loop: EventLoop
    let configuration: EventStreamHub.Configuration
    private var shopHubs: [String: EventStreamHub] = [:]
    private let everyShop: EventStreamHub

    init(loop: EventLoop, configuration: EventStreamHub.Configuration) {
        self.loop = loop
        self.configuration = configuration
        everyShop = EventStreamHub(loop: loop, configuration: configuration)
    }

    var subscriberCount: Int { shopHubs.values.reduce(everyShop.subscriberCount) { $0 + $1.subscriberCount } }

    /// Starts a stream for a node reading `shop`'s orders (nil: every shop's).
    func subscribe(_ responder: HTTPResponder, request: HTTPRequest, shop: String?) -> EventStream {
        let target = shop.map { hub(of: $0) } ?? everyShop
        return target.subscribe(responder, request: request, lastEventID: "").stream
    }

    /// Sends `event` to the streams of `shops` and (unless `everyShop` is false) of scope `all`;
    /// nil (an advance whose shops are unknown) sends it to every stream: the event carries no
    /// order, only a version.
    func broadcast(_ event: ServerSentEvent, toShops shops: Set<String>? = nil, everyShop toEveryShop: Bool = true) {
        if toEveryShop || shops == nil { everyShop.broadcast(event) }
        if let shops {
            for shop in shops { shopHubs[shop]?.broadcast(event) }
        } else {
            for hub in shopHubs.values { hub.broadcast(event) }
        }
    }

    func close() {
        everyShop.close()
        for hub in shopHubs.values { hub.close() }
    }

    private func hub(of shop: String) -> EventStreamHub {
        if let hub = shopHubs[shop] { return hub }
        let hub = EventStreamHub(loop: loop, configuration: configuration)
        shopHubs[shop] = hub
        return hub
    }
}
