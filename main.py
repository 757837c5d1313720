"""Run the connector: python main.py spec | check --config C | discover --config C | read --config C --catalog K [--state S]"""

import sys

from source_snipeit.run import run

if __name__ == "__main__":
    run(sys.argv[1:])
