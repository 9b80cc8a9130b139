import GRDB

extension ReplicaMigrations {
    /// Queue claims (`order_claims`): append-only claim and release records, projected like the
    /// other append-only tables; who holds an order is computed from them (`ClaimRule`).
    static let claimTables = """
        CREATE TABLE order_claims (
          id TEXT PRIMARY KEY NOT NULL,
          order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
          claim_action TEXT NOT NULL CHECK (claim_action IN ('claim', 'release')),
          stage TEXT NOT NULL CHECK (stage IN (\(statuses))),
          claimed_by TEXT NOT NULL,
          released_claim_id TEXT,
          created_at TEXT NOT NULL,
          hlc INTEGER NOT NULL,
          node_id TEXT NOT NULL
        );
        CREATE INDEX order_claims_by_order ON order_claims (order_id);
        """
}
