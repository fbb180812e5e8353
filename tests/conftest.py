def pytest_addoption(parser):
    parser.addoption('--slow', action='store_true', default=False,
                     help="also run notebook cells marked '#| slow' (full MNIST runs; long)")

# Property tests draw their examples from a fixed seed, so every run (and CI) tests the same cases;
# pass --hypothesis-seed=N (or run with HYPOTHESIS_PROFILE=explore) to search new ones.
import os
from hypothesis import settings
settings.register_profile('numpy_mlp', derandomize=True, deadline=None)
settings.register_profile('explore', deadline=None, max_examples=500)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'numpy_mlp'))
