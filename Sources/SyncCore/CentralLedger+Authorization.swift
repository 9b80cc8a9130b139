/// Who may make a change is central's business (its staff accounts and which shop each order
/// belongs to, PERMISSIONS.md); a ledger that keeps no accounts, like the reference
/// `CentralModel`, accepts every valid change. `PushProcessor.settle` calls `authorize` after
/// `ChangeValidator`, so a change is judged by the rules first and by its author second.
extension CentralLedger {
    package func authorize(_ change: Change) throws(Rejection) {}
}
