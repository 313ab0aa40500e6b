"""``keras.datasets``: the classic small datasets, downloaded once into ``~/.fkeras/datasets``."""
from fkeras.datasets import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist",
           "reuters"]
