// Central: the authoritative store and sync hub (see protocol/IMPLEMENTING.md).
