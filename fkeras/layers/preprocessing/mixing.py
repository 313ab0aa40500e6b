"""Keras 3's batch-mixing augmentations ``MixUp`` and ``CutMix``, the ``Pipeline`` layer, and
``MaxNumBoundingBoxes``.

``MixUp`` and ``CutMix`` pair every example with another one of the same batch (a random
permutation) and mix images *and* labels, so they are meant for the dict form
``{"images": ..., "labels": ...}`` (one-hot or soft labels). They draw from ``self.make_rng()``
like the other random layers and are the identity with ``training=False``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.engine.layer import Layer, _call_signature_info
from fkeras.layers.preprocessing.augmentation import _factor_pair
from fkeras.layers.preprocessing.bounding_boxes import standardize_bounding_boxes
from fkeras.layers.preprocessing.geometric import _AugmentationLayer, _batched, _box_mask, _crop_bounds, _images_of


def _mix(a, b, weight):
    """``weight * a + (1 - weight) * b`` with one weight per example (leading axis)."""
    w = jnp.reshape(weight, (-1,) + (1,) * (a.ndim - 1)).astype(a.dtype)
    return w * a + (1.0 - w) * b


class MixUp(_AugmentationLayer):
    """MixUp: blends each example with a random partner from the batch (Keras 3's ``MixUp``).

    With ``lam ~ Beta(alpha, alpha)`` drawn per example and a random permutation ``p`` of the
    batch, images become ``lam * x + (1 - lam) * x[p]`` and labels ``lam * y + (1 - lam) * y[p]``
    (so one-hot labels still sum to 1). Segmentation masks are blended like the images; bounding
    boxes of the partner are appended to each example's boxes (``n`` boxes become ``2n``).

    Args:
        alpha: the Beta distribution's parameter, > 0; small values mix little (0.2 is the
            usual choice for ImageNet).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: an int folded into each call's key, or None.

    Returns:
        The mixed images, or the dict with images, labels (float), masks and boxes mixed.

    Example:
        >>> mix = keras.layers.MixUp(alpha=0.2)
        >>> out = mix({"images": np.ones((4, 8, 8, 3)), "labels": np.eye(4)})
        >>> out["labels"].sum(axis=-1)   # each row still sums to 1
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
            raise ValueError(f"MixUp: the `alpha` argument should be a number > 0. Received: alpha={alpha!r}")
        self.alpha = alpha

    def get_random_transformation(self, data, key=None, training=True):
        """``{"mix_weight": (batch,), "permutation_order": (batch,)}``, or None when not training."""
        if not training:
            return None
        b = _batch_size_of(_images_of(data))
        k_perm, k_weight = jax.random.split(self._key_or_draw(key))
        return {"mix_weight": jax.random.beta(k_weight, self.alpha, self.alpha, (b,)),
                "permutation_order": jax.random.permutation(k_perm, b)}

    def transform_images(self, images, transformation, training=True):
        """Blend each image with its partner (the identity when not training)."""
        images = jnp.asarray(images).astype(self.compute_dtype)
        if not training or transformation is None:
            return images
        return _batched(lambda x: _mix(x, x[transformation["permutation_order"]], transformation["mix_weight"]),
                        images)

    def transform_labels(self, labels, transformation, training=True):
        """Blend each label with its partner's, in the compute dtype."""
        if not training or transformation is None:
            return labels
        labels = jnp.asarray(labels).astype(self.compute_dtype)
        return _mix(labels, labels[transformation["permutation_order"]], transformation["mix_weight"])

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Blend each mask with its partner's, in the compute dtype."""
        if not training or transformation is None:
            return segmentation_masks
        return self.transform_images(segmentation_masks, transformation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Append the partner's boxes and labels to each example's (``n`` boxes become ``2n``)."""
        if not training or transformation is None:
            return bounding_boxes
        perm = transformation["permutation_order"]
        out = dict(bounding_boxes)
        for k in ("boxes", "labels"):
            out[k] = jnp.concatenate([bounding_boxes[k], bounding_boxes[k][perm]], axis=1)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config


def _batch_size_of(images):
    return images.shape[0] if images.ndim == 4 else 1


class CutMix(_AugmentationLayer):
    """CutMix: pastes a random rectangle of a partner image into each image and mixes the labels
    by area (Keras 3's ``CutMix``).

    Per call ``a`` is drawn in ``factor`` (plus 1e-6); per example ``lam ~ Beta(a, a)``, and a window
    of ``sqrt(1 - lam)`` times the height and width, at a uniform position, is copied from the
    partner ``x[p]`` (``p`` a random permutation). Labels become ``w * y + (1 - w) * y[p]`` with ``w``
    one minus the window's (continuous) share of the image area. Segmentation masks get the same
    paste. Bounding boxes are not supported (as in Keras); an unbatched image is left unchanged.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``a`` drawn in ``[0, f]``) or a pair in ``[0, 1]``;
            larger values give more varied window sizes.
        seed: an int folded into each call's key, or None.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        The mixed images, or the dict with images, labels (float) and masks mixed.

    Example:
        >>> cut = keras.layers.CutMix(factor=1.0, seed=0)
        >>> out = cut({"images": np.random.rand(4, 8, 8, 3), "labels": np.eye(4)})
    """

    _BOXES = "unsupported"

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "CutMix", low=0.0)

    def call(self, data, training=True):
        if jnp.ndim(_images_of(data)) == 3:  # one image: nothing to mix with (as Keras)
            training = False
        return super().call(data, training=training)

    def get_random_transformation(self, data, key=None, training=True):
        """``{"permutation_order", "batch_masks" (bool like images), "mix_weight": (batch,),
        "cut_box": (batch, 4) [x0, y0, x1, y1]}``, or None when not training or unbatched."""
        images = _images_of(data)
        if not training or images.ndim == 3:
            return None
        b = images.shape[0]
        h, w = self._hw_of(images.shape)
        k_alpha, k_lam, k_x, k_y, k_perm = jax.random.split(self._key_or_draw(key), 5)
        alpha = jax.random.uniform(k_alpha, (), self.compute_dtype, self.factor[0], self.factor[1]) + 1e-6
        lam = jax.random.beta(k_lam, alpha, alpha, (b,), self.compute_dtype)
        ratio = jnp.sqrt(1.0 - lam)
        x0, x1 = _crop_bounds(k_x, b, w, ratio)
        y0, y1 = _crop_bounds(k_y, b, h, ratio)
        return {"permutation_order": jax.random.permutation(k_perm, b),
                "batch_masks": _box_mask(images.shape, self.data_format, x0, x1, y0, y1),
                "mix_weight": 1.0 - (x1 - x0) * (y1 - y0) / (w * h),
                "cut_box": jnp.stack([x0, y0, x1, y1], axis=1)}

    def _paste(self, x, t):
        mask = t["batch_masks"]
        channel = -1 if self.data_format == "channels_last" else 1
        if mask.shape != x.shape:  # masks with another channel count: the same window
            mask = jnp.broadcast_to(jax.lax.slice_in_dim(mask, 0, 1, axis=channel), x.shape)
        return jnp.where(mask, x[t["permutation_order"]], x)

    def transform_images(self, images, transformation, training=True):
        """Paste the partner's window into each image (the identity when not training)."""
        images = jnp.asarray(images).astype(self.compute_dtype)
        if not training or transformation is None:
            return images
        return self._paste(images, transformation)

    def transform_labels(self, labels, transformation, training=True):
        """Mix each label with its partner's by the pasted area, in the compute dtype."""
        if not training or transformation is None:
            return labels
        labels = jnp.asarray(labels).astype(self.compute_dtype)
        return _mix(labels, labels[transformation["permutation_order"]], transformation["mix_weight"])

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Paste the partner's mask window (values and dtype kept)."""
        if not training or transformation is None:
            return segmentation_masks
        return self._paste(jnp.asarray(segmentation_masks), transformation)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config


class MaxNumBoundingBoxes(_AugmentationLayer):
    """Pads or truncates ``bounding_boxes`` to exactly ``max_number`` boxes per image
    (Keras 3's ``MaxNumBoundingBoxes``).

    Boxes past ``max_number`` are dropped; missing ones are added with every coordinate and the
    label equal to ``fill_value``. Everything else passes through unchanged, in training and
    inference alike. ``bounding_box_format`` is accepted but not needed.

    Args:
        max_number: the number of boxes per image in the output, a positive int.
        fill_value: the value of padded coordinates and labels (default -1).

    Returns:
        The input dict with ``bounding_boxes["boxes"]`` of shape ``(batch, max_number, 4)`` and
        ``bounding_boxes["labels"]`` of shape ``(batch, max_number)``.

    Example:
        >>> layer = keras.layers.MaxNumBoundingBoxes(max_number=4)
        >>> out = layer({"images": np.zeros((1, 8, 8, 3)),
        ...              "bounding_boxes": {"boxes": np.ones((1, 2, 4)), "labels": np.ones((1, 2))}})
        >>> out["bounding_boxes"]["boxes"].shape
        (1, 4, 4)
    """

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(max_number, bool) or not isinstance(max_number, int) or max_number < 1:
            raise ValueError(f"MaxNumBoundingBoxes: `max_number` should be a positive int. "
                             f"Received: max_number={max_number!r}")
        if isinstance(fill_value, bool) or not isinstance(fill_value, (int, float)):
            raise ValueError("MaxNumBoundingBoxes: `fill_value` should be a number. "
                             f"Received: fill_value={fill_value!r}")
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def call(self, data, training=True):
        if not isinstance(data, dict) or "bounding_boxes" not in data:
            return data
        boxes = data["bounding_boxes"]
        if "images" in data:
            images = jnp.asarray(data["images"])
            self._check_rank(images)
            batched = images.ndim == 4
        else:
            batched = isinstance(boxes, dict) and np.ndim(boxes.get("boxes")) == 3
        boxes = standardize_bounding_boxes(boxes, batched, "MaxNumBoundingBoxes", self.compute_dtype)
        if batched:
            boxes = self.transform_bounding_boxes(boxes)
        else:  # one image's boxes
            boxes = jax.tree_util.tree_map(lambda a: a[None], boxes)
            boxes = jax.tree_util.tree_map(lambda a: a[0], self.transform_bounding_boxes(boxes))
        result = dict(data)
        result["bounding_boxes"] = boxes
        return result

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        """Truncate or pad ``boxes`` ``(batch, n, 4)`` and ``labels`` ``(batch, n)`` to ``max_number``."""
        out = dict(bounding_boxes)
        for k in ("boxes", "labels"):
            v = jnp.asarray(bounding_boxes[k])[:, :self.max_number]
            pad = [(0, 0)] * v.ndim
            pad[1] = (0, self.max_number - v.shape[1])
            out[k] = jnp.pad(v, pad, constant_values=jnp.asarray(self.fill_value, v.dtype))
        return out

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            boxes_shape = dict(input_shape["bounding_boxes"])
            extra = set(boxes_shape) - {"boxes", "labels"}
            if extra:
                raise KeyError(f"MaxNumBoundingBoxes: unsupported keys in `bounding_boxes`: {sorted(extra)}. "
                               "Only 'boxes' and 'labels' are supported.")
            for k in ("boxes", "labels"):
                s = list(boxes_shape[k])
                s[1] = self.max_number
                boxes_shape[k] = tuple(s)
            return {**input_shape, "bounding_boxes": boxes_shape}
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"max_number": self.max_number, "fill_value": self.fill_value})
        return config


class Pipeline(Layer):
    """Applies a list of layers in order, as one layer (Keras 3's ``Pipeline``).

    Unlike ``Sequential`` it is a plain layer, not a model: the usual home of an augmentation
    chain. ``training`` is handed to every layer whose ``call`` takes it (so the random layers
    run only while training inside ``fit``), and dict inputs flow through unchanged in form.

    Args:
        layers: a list of layers.
        name: the layer's name.

    Returns:
        The output of the last layer.

    Example:
        >>> augment = keras.layers.Pipeline([keras.layers.RandomFlip(), keras.layers.RandomShear(0.2)])
        >>> augment(np.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer) for layer in layers):
            raise TypeError(f"Pipeline: `layers` should be a list of layers. Received: layers={layers!r}")
        self._pipeline_layers = list(layers)
        self.built = True

    @property
    def layers(self):
        """The layers, in order."""
        return self._pipeline_layers

    def _sublayers(self):
        return list(self._pipeline_layers)

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for i, layer in enumerate(self._pipeline_layers):
            info = _call_signature_info(type(layer).call)
            kwargs = {}
            if info["training"] and training is not None:
                kwargs["training"] = training
            if info["mask"] and i == 0 and mask is not None:
                kwargs["mask"] = mask  # later layers get the mask their input carries
            outputs = layer(outputs, **kwargs)
        return outputs

    def get_config(self):
        from fkeras.saving import registry  # late: saving imports the layers

        return {"layers": registry.serialize_keras_object(self._pipeline_layers), "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from fkeras.saving import registry

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("Pipeline: the config must hold a `layers` list of serialized layers. "
                             f"Received: layers={layers!r}")
        config = dict(config)
        config["layers"] = [registry.deserialize_keras_object(c, custom_objects=custom_objects) for c in layers]
        return cls(**config)
