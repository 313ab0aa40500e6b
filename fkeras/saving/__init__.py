"""``keras.saving``."""
from fkeras.saving.registry import (CustomObjectScope, custom_object_scope, deserialize_keras_object,
                                    get_custom_objects, get_registered_name, get_registered_object,
                                    register_keras_serializable, serialize_keras_object)
