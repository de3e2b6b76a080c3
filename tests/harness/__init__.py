"""Start and stop the real servers the tests need, on 127.0.0.1 with throw-away data."""
