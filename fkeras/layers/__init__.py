"""``keras.layers``."""
from fkeras.engine.layer import InputSpec, Layer
from fkeras.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,
                                         Convolution1D, Convolution1DTranspose, Convolution2D,
                                         Convolution2DTranspose, Convolution3D, Convolution3DTranspose,
                                         DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                                         SeparableConvolution1D, SeparableConvolution2D)
from fkeras.layers.core import Activation, Dense, Identity, Lambda
from fkeras.layers.input_layer import Input, InputLayer
from fkeras.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                                   average, concatenate, dot, maximum, minimum, multiply, subtract)
from fkeras.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D,
                                   AvgPool3D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                                   GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
                                   GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D,
                                   GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
                                   MaxPooling1D, MaxPooling2D, MaxPooling3D)
from fkeras.layers.adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                                            AdaptiveAveragePooling3D, AdaptiveMaxPooling1D, AdaptiveMaxPooling2D,
                                            AdaptiveMaxPooling3D)
from fkeras.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                         RMSNormalization, UnitNormalization)
from fkeras.layers.regularization import (ActivityRegularization, AlphaDropout, Dropout, GaussianDropout,
                                          GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from fkeras.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from fkeras.layers.wrappers_jax import FlaxLayer, FlaxModule, FunctionLayer, JaxLayer
from fkeras.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from fkeras.layers.group_query_attention import GroupedQueryAttention, GroupQueryAttention
from fkeras.layers.spectral_normalization import SpectralNormalization
from fkeras.layers.reversible_embedding import ReversibleEmbedding
from fkeras.layers.preprocessing.categorical import HashedCrossing
from fkeras.layers import experimental
from fkeras.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, Hashing, IntegerLookup,
                                         Normalization, RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                         RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing,
                                         StringLookup, TextVectorization)
from fkeras.layers.preprocessing.color import (RandomColorDegeneration, RandomColorJitter, RandomGaussianBlur,
                                               RandomGrayscale, RandomHue, RandomInvert, RandomPosterization,
                                               RandomSaturation, RandomSharpness, Solarization)
from fkeras.layers.preprocessing.histogram import (AutoContrast, ContrastLimitedAdaptiveHistogramEqualization,
                                                   Equalization)
from fkeras.layers.preprocessing.policies import AugMix, RandAugment
from fkeras.layers.preprocessing.geometric import (RandomElasticTransform, RandomErasing, RandomPerspective,
                                                   RandomShear)
from fkeras.layers.preprocessing.mixing import CutMix, MaxNumBoundingBoxes, MixUp, Pipeline
from fkeras.layers.embedding import Embedding
from fkeras.layers.masking import Masking
from fkeras.layers.recurrent import (GRU, LSTM, RNN, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                                     StackedRNNCells)
from fkeras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
from fkeras.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from fkeras.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from fkeras.layers.einsum_dense import EinsumDense
from fkeras.layers.audio import MelSpectrogram, STFTSpectrogram
from fkeras.layers.cropping import Cropping1D, Cropping2D, Cropping3D
from fkeras.layers.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from fkeras.layers.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D


def serialize(layer):
    """The layer's config as a JSON-able dict, in Keras 3's format (``keras.layers.serialize``).

    Example:
        config = keras.layers.serialize(keras.layers.Dense(3))
        layer = keras.layers.deserialize(config)
    """
    from fkeras.saving import registry

    return registry.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from a config written by ``serialize`` (or by Keras); custom layer classes
    come from ``custom_objects`` or the registered objects (``keras.layers.deserialize``)."""
    from fkeras.saving import registry

    here = {k: v for k, v in globals().items() if isinstance(v, type) and issubclass(v, Layer)}
    obj = registry.deserialize_keras_object(config, custom_objects=custom_objects, module_objects=here)
    if not isinstance(obj, Layer):
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer`. Received: {config}")
    return obj
