// The Store layer; see README.
