# nbdev's setup.py, reading everything from settings.ini (edit settings there, not here).
# It does not import pkg_resources: current setuptools no longer ships it.
from configparser import ConfigParser
import setuptools, shlex

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

cfg_keys = 'version description keywords author author_email'.split()
expected = cfg_keys + "lib_name user branch license status min_python audience language".split()
for o in expected: assert o in cfg, "missing expected setting: {}".format(o)
setup_cfg = {o: cfg[o] for o in cfg_keys}

# SPDX license expressions (current setuptools deprecates the 'License ::' classifiers)
licenses = {'apache2': 'Apache-2.0', 'mit': 'MIT', 'gpl2': 'GPL-2.0-only', 'gpl3': 'GPL-3.0-only', 'bsd3': 'BSD-3-Clause'}
statuses = ['0 - Pre-Planning', '1 - Planning', '2 - Pre-Alpha', '3 - Alpha',
            '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.9 3.10 3.11 3.12 3.13 3.14'.split()

def reqs(key): return shlex.split(cfg.get(key, ''))

requirements = reqs('requirements') + reqs('pip_requirements')
min_python = cfg['min_python']
lic = licenses.get(cfg['license'].lower(), cfg['license'])
extras = {k: reqs(f'{k}_requirements') for k in ('dev', 'plots', 'download', 'course', 'notebooks', 'widgets', 'sklearn')}
extras['all'] = extras['download'] + extras['course'] + extras['notebooks'] + extras['widgets'] + extras['sklearn']

package_data = {cfg['lib_name']: cfg['package_data'].split()} if cfg.get('package_data') else {}

setuptools.setup(
    name=cfg['lib_name'],
    license_expression=lic,     # an SPDX expression (PEP 639); the file itself goes in as License-File
    license_files=['LICENSE'],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    project_urls={'Documentation': cfg['doc_host'] + cfg['doc_baseurl'] + '/',
                  'Source': cfg['git_url'],
                  'Issues': cfg['git_url'] + '/issues'},
    # namespace packages too, so setuptools treats the data folders under the package as part of it
    packages=setuptools.find_namespace_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    package_data=package_data,
    include_package_data=True,
    install_requires=requirements,
    extras_require=extras,
    python_requires='>=' + cfg['min_python'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_path")}._modidx:d'],
    },
    **setup_cfg)
