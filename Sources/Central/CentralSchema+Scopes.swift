extension CentralSchema {
    /// What each registration may read (SYNC-PROTOCOL.md §2 "Scopes"), and the shop of every log
    /// entry so that a shop's pull reads its own entries by index instead of scanning the log.
    static let nodeScopes = """
        -- 'shop': the registration's shop's orders; 'all': every shop's (an admin workstation).
        -- Registrations made before scopes existed read their shop's orders.
        ALTER TABLE nodes ADD COLUMN scope TEXT NOT NULL DEFAULT 'shop' CHECK (scope IN ('shop', 'all'));
        -- The shop of each log entry's order. An entry whose order has no shop (none today) is
        -- read by 'all' registrations only.
        CREATE TABLE log_shops (
          shop TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (shop, version)
        ) WITHOUT ROWID;
        INSERT INTO log_shops (shop, version)
          SELECT order_shops.shop, log.version
          FROM log JOIN order_shops ON order_shops.order_id = json_extract(log.change, '$.order_id');
        -- Filled by a trigger so that every writer of the log (pushes, central's own changes) is
        -- scoped without knowing about scopes. A new order's shop is written before its entries.
        CREATE TRIGGER log_shops_on_append AFTER INSERT ON log BEGIN
          INSERT INTO log_shops (shop, version)
            SELECT shop, NEW.version FROM order_shops
            WHERE order_id = json_extract(NEW.change, '$.order_id');
        END;
        """
}
