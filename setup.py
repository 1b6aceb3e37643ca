"""The build step pyproject.toml cannot express: the PDCA notebooks ship inside the package.

``notebooks/`` at the top of the checkout is the one copy people open and edit;
building a wheel copies its notebooks into ``cslib/notebooks/`` so an installed
cslib runs a cycle without a checkout (see ``cslib.run.notebooks.notebooks_dir``).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithNotebooks(build_py):
    """``build_py`` plus the notebooks of ``notebooks/`` as ``cslib/notebooks/`` package data."""

    def run(self):
        super().run()
        target = Path(self.build_lib, "cslib", "notebooks")
        self.mkpath(str(target))
        for notebook in sorted(Path(__file__).parent.joinpath("notebooks").glob("*.ipynb")):
            self.copy_file(str(notebook), str(target / notebook.name))


setup(cmdclass={"build_py": BuildWithNotebooks})
