"""The CIFAR ResNet of He et al. (2016), its training with Lightning, and embedding export."""
