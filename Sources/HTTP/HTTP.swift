// The HTTP layer; see README.
import CLibUV
import CCurl
import CHTTPParser
import CZlib
