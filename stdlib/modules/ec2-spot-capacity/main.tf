# ec2-spot-capacity: EC2 container instances on spot for one ECS cluster.
# A launch template (ECS-optimized AMI), an Auto Scaling group with a mixed
# instances policy (all spot by default) that may shrink to min_size, and an
# ECS capacity provider with managed scaling. Services reach this capacity
# only through a capacity provider strategy naming capacity_provider_name.

data "aws_partition" "current" {}

data "aws_ssm_parameter" "ami" {
  count = var.ami_id == null ? 1 : 0
  name  = var.ami_ssm_parameter
}

locals {
  ami_id       = var.ami_id != null ? var.ami_id : data.aws_ssm_parameter.ami[0].insecure_value
  make_profile = var.instance_profile_name == null
  profile_name = local.make_profile ? aws_iam_instance_profile.this[0].name : var.instance_profile_name
  desired      = var.desired_capacity != null ? var.desired_capacity : var.min_size

  user_data = <<-EOT
    #!/bin/bash
    cat >>/etc/ecs/ecs.config <<'CONFIG'
    ECS_CLUSTER=${var.cluster_name}
    ECS_ENABLE_SPOT_INSTANCE_DRAINING=true
    ECS_CONTAINER_STOP_TIMEOUT=90s
    CONFIG
  EOT

  # ECS adds AmazonECSManaged to groups it scales; declaring it avoids a diff.
  asg_tags = merge(var.tags, { Name = var.name }, var.managed_scaling ? { AmazonECSManaged = "true" } : {})
}

# --- instance role ------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.make_profile ? 1 : 0

  name               = "${var.name}-ecs-instance"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "ecs" {
  count = local.make_profile ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "this" {
  count = local.make_profile ? 1 : 0

  name = "${var.name}-ecs-instance"
  role = aws_iam_role.this[0].name
  tags = var.tags
}

# --- instance security group: no ingress, explicit egress ------------------
# Without it the instances would fall back to the VPC's default group.

resource "aws_security_group" "this" {
  name        = "${var.name}-instances"
  description = "ECS container instances ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-instances" })
}

resource "aws_vpc_security_group_egress_rule" "this" {
  count = length(var.egress_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "ECS agent, image pulls and AWS APIs"
  ip_protocol       = "-1"
  cidr_ipv4         = var.egress_cidrs[count.index]
}

# --- launch template ----------------------------------------------------------

resource "aws_launch_template" "this" {
  name                   = var.name
  image_id               = local.ami_id
  update_default_version = true
  user_data              = base64encode(local.user_data)
  vpc_security_group_ids = concat([aws_security_group.this.id], var.security_group_ids)

  iam_instance_profile {
    name = local.profile_name
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = var.name })
  }

  tags = var.tags
}

# --- Auto Scaling group -------------------------------------------------------
# Two variants because ignore_changes must be static: with managed scaling
# ECS owns desired_capacity and Terraform must not reset it on every apply.

resource "aws_autoscaling_group" "managed" {
  count = var.managed_scaling ? 1 : 0

  name                  = var.name
  vpc_zone_identifier   = var.subnet_ids
  min_size              = var.min_size
  max_size              = var.max_size
  desired_capacity      = local.desired
  protect_from_scale_in = var.managed_termination_protection
  capacity_rebalance    = true
  health_check_type     = "EC2"

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = var.on_demand_base_capacity
      on_demand_percentage_above_base_capacity = var.on_demand_percentage_above_base
      spot_allocation_strategy                 = var.spot_allocation_strategy
    }
    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.this.id
        version            = aws_launch_template.this.latest_version
      }
      dynamic "override" {
        for_each = var.instance_types
        content {
          instance_type = override.value
        }
      }
    }
  }

  dynamic "tag" {
    for_each = local.asg_tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]

    precondition {
      condition     = var.min_size <= var.max_size && local.desired >= var.min_size && local.desired <= var.max_size
      error_message = "need min_size <= desired_capacity <= max_size."
    }
    precondition {
      condition     = var.minimum_scaling_step_size <= var.maximum_scaling_step_size
      error_message = "minimum_scaling_step_size must not exceed maximum_scaling_step_size."
    }
  }
}

resource "aws_autoscaling_group" "unmanaged" {
  count = var.managed_scaling ? 0 : 1

  name                  = var.name
  vpc_zone_identifier   = var.subnet_ids
  min_size              = var.min_size
  max_size              = var.max_size
  desired_capacity      = local.desired
  protect_from_scale_in = var.managed_termination_protection
  capacity_rebalance    = true
  health_check_type     = "EC2"

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = var.on_demand_base_capacity
      on_demand_percentage_above_base_capacity = var.on_demand_percentage_above_base
      spot_allocation_strategy                 = var.spot_allocation_strategy
    }
    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.this.id
        version            = aws_launch_template.this.latest_version
      }
      dynamic "override" {
        for_each = var.instance_types
        content {
          instance_type = override.value
        }
      }
    }
  }

  dynamic "tag" {
    for_each = local.asg_tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    precondition {
      condition     = var.min_size <= var.max_size && local.desired >= var.min_size && local.desired <= var.max_size
      error_message = "need min_size <= desired_capacity <= max_size."
    }
    precondition {
      condition     = !var.managed_termination_protection
      error_message = "managed_termination_protection needs managed_scaling = true."
    }
  }
}

locals {
  asg_arn  = one(concat(aws_autoscaling_group.managed[*].arn, aws_autoscaling_group.unmanaged[*].arn))
  asg_name = one(concat(aws_autoscaling_group.managed[*].name, aws_autoscaling_group.unmanaged[*].name))
}

# --- capacity provider --------------------------------------------------------

resource "aws_ecs_capacity_provider" "this" {
  name = var.name

  auto_scaling_group_provider {
    auto_scaling_group_arn         = local.asg_arn
    managed_termination_protection = var.managed_termination_protection ? "ENABLED" : "DISABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = var.managed_scaling ? "ENABLED" : "DISABLED"
      target_capacity           = var.target_capacity
      minimum_scaling_step_size = var.minimum_scaling_step_size
      maximum_scaling_step_size = var.maximum_scaling_step_size
      instance_warmup_period    = var.instance_warmup_period
    }
  }

  tags = var.tags
}
