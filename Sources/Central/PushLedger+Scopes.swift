import SyncCore

extension PushLedger {
    /// A change to an order of another shop is refused before the rules read the order, so the
    /// rejection says nothing about it (not even its shop). This holds for registrations of scope
    /// `all` too: they read every shop's orders but, like the node's own write path
    /// (`ChangeRecorder`), change only their shop's. Central's own changes are exempt.
    func admit(_ change: Change) throws(Rejection) {
        guard change.nodeID != ChangeValidator.centralNodeID else { return }
        let shop: String?
        do {
            shop = try orderShop(change.orderID)
        } catch {
            // The push fails in `flush` with this error; nothing is committed.
            if cache.loadFailure == nil { cache.loadFailure = error }
            return
        }
        if let shop, shop != node.shop {
            throw Rejection(
                .wrongShop,
                "order \(change.orderID) is not an order of shop \(node.shop); "
                    + "workstation \(node.name) may change only its shop's orders")
        }
    }
}
