// The EventLoop layer; see README.
