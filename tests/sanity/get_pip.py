"""Stand-in for the pip bootstrap script ansible-test downloads from a host these machines cannot reach.

ansible-test runs it inside a new, empty virtualenv with pip's install arguments; it installs pip
from Python's own ensurepip, then the requested packages from the package index.
"""

import subprocess
import sys

# get-pip.py options that `pip install` does not take.
GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + args)


if __name__ == '__main__':
    main()
