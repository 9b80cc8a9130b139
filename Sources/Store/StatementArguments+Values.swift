import GRDB

extension StatementArguments {
    /// Arguments from values already converted. GRDB's `init(_: some Sequence<some
    /// DatabaseValueConvertible>)` maps with a key path, which (unspecialised across modules) the
    /// runtime instantiates on every call, demangling type names: 4% of a pull page's merge in a
    /// profile. Its existential-sequence init maps with a closure instead.
    init(databaseValues values: [DatabaseValue]) {
        self.init(values.map { Optional<any DatabaseValueConvertible>.some($0) })
    }
}
