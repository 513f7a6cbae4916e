"""Fail unless the built documentation site has a page for every module, plugin and role of the collection.

    python check_pages.py COLLECTION_DIR HTML_DIR
"""

import pathlib
import sys

# Folders of plugins/ that hold no plugin of their own.
NOT_PLUGINS = {'module_utils', 'plugin_utils', 'doc_fragments'}


def expected_pages(collection):
    """The page antsibull-docs writes for each module (<name>_module.html), plugin (<name>_<type>.html) and role."""
    for folder in sorted(path for path in (collection / 'plugins').iterdir() if path.is_dir()):
        if folder.name in NOT_PLUGINS:
            continue
        kind = 'module' if folder.name == 'modules' else folder.name
        for source in sorted(folder.glob('*.py')):
            if source.name != '__init__.py':
                yield '{0}_{1}.html'.format(source.stem, kind)
    for role in sorted(path for path in (collection / 'roles').iterdir() if path.is_dir()):
        yield '{0}_role.html'.format(role.name)


def main():
    collection, html = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    pages = list(expected_pages(collection))
    missing = [page for page in pages if not (html / page).is_file()]
    if missing:
        sys.exit('The site has no page for: ' + ', '.join(missing))
    print('Documentation site: {0} pages for the modules, plugins and roles, in {1}'.format(len(pages), html))


if __name__ == '__main__':
    main()
