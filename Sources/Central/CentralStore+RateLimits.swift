import Foundation
import Postgres
import StaffAuth
import StorageSupport

extension CentralStore {
    /// Whether several processes may serve this store and so must share rate limits.
    var sharesRateLimits: Bool { postgresPool != nil }

    /// PostgreSQL: takes one request from `token`'s bucket shared by every serve process (each
    /// process's own bucket, in memory, is checked first and bounds floods). nil when admitted,
    /// else the whole seconds until a request will be. Only registered tokens have a shared
    /// bucket: an unknown token is admitted here and refused by authentication, so strangers
    /// cannot fill the table. The clock is PostgreSQL's, the same for every process.
    func admitShared(token: String, limit: TokenRateLimiter.Configuration) throws -> Int? {
        guard let pool = postgresPool else { return nil }
        let refill = """
            LEAST(CAST(? AS double precision), b.tokens + GREATEST(excluded.updated_ms - b.updated_ms, 0)
              * CAST(? AS double precision) / 1000.0)
            """
        let sql = """
            INSERT INTO rate_buckets AS b (token_hash, tokens, updated_ms, admitted)
            SELECT token_hash, CAST(? AS double precision) - 1,
              CAST(extract(epoch FROM clock_timestamp()) * 1000 AS bigint), 1
            FROM nodes WHERE token_hash = ?
            ON CONFLICT (token_hash) DO UPDATE SET
              admitted = CASE WHEN \(refill) >= 1 THEN 1 ELSE 0 END,
              tokens = \(refill) - CASE WHEN \(refill) >= 1 THEN 1 ELSE 0 END,
              updated_ms = GREATEST(excluded.updated_ms, b.updated_ms)
            RETURNING admitted, tokens
            """
        let burst = SQLValue.real(limit.burst), rate = SQLValue.real(limit.perSecond)
        let arguments: [SQLValue] =
            [burst, .blob(Data(SecretToken.hash(token)))] + [burst, rate, burst, rate, burst, rate]
        return try pool.withConnection { connection in
            guard let row = try connection.fetchOne(sql, arguments) else { return nil }
            guard try row.read("admitted", table: "rate_buckets", as: Int64.self) == 0 else { return nil }
            let tokens = try row.read("tokens", table: "rate_buckets", as: Double.self)
            return max(1, Int(((1 - tokens) / limit.perSecond).rounded(.up)))
        }
    }
}
