"""Execute every notebook in this folder headless; exit non-zero on the first error.

Usage: python run_notebooks.py [NOTEBOOK ...]
The notebooks run with this folder as working directory and write their figures to figures/.
"""
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent


def main(names):
    paths = [HERE / name for name in names] if names else sorted(HERE.glob("*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(HERE)}})
        client.execute()
        print(f"executed {path.name}: {len(notebook.cells)} cells")
    print(f"{len(paths)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
