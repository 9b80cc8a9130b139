/// Who may make a change is central's business (its staff accounts and which shop each order
/// belongs to, PERMISSIONS.md); a ledger that keeps no accounts, like the reference
/// `CentralModel`, accepts every valid change. `PushProcessor.settle` calls `admit` first (the
/// order's shop: a change to an order outside the node's scope learns nothing about it), then
/// `ChangeValidator`, then `authorize`, so a change is judged by the rules before its author.
extension CentralLedger {
    package func admit(_ change: Change) throws(Rejection) {}
    package func authorize(_ change: Change) throws(Rejection) {}
}
