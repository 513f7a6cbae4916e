"""A private, real libvirtd and QEMU for this collection's tests, inside a network namespace the tests own."""
