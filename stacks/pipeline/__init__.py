"""The delivery pipeline (CDK Pipelines) and the smoke-test stacks it adds to each environment."""

from stacks.pipeline.app import PIPELINE_FLAG, build_pipeline_app, create_pipeline_app, pipeline_requested
from stacks.pipeline.config import DeliveryConfig, load_delivery_config, placeholder_values
from stacks.pipeline.pipeline_stack import DeliveryPipelineStack
from stacks.pipeline.smoke import SmokeTestStack

__all__ = [
    "PIPELINE_FLAG",
    "DeliveryConfig",
    "DeliveryPipelineStack",
    "SmokeTestStack",
    "build_pipeline_app",
    "create_pipeline_app",
    "load_delivery_config",
    "pipeline_requested",
    "placeholder_values",
]
