from setuptools import setup

setup(name="beta", version="2.0")
