"""What the tests and the benchmarks share: real servers on loopback and the helpers around them."""
