# A package, so that pytest (default import mode) imports this test_pureboot.py and module_utils/test_pureboot.py
# under different names: inventory.test_pureboot and test_pureboot.
