"""A state connector over S3, GCS and Redis fed by SQS, RabbitMQ and Pub/Sub: matrixgen's
example project (its support matrix is matrix.yaml)."""
