import CSQLite
print("kct-bench: no suites yet, sqlite \(String(cString: sqlite3_libversion()))")
