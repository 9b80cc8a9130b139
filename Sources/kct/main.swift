print("kct: not built yet")
