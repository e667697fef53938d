# aurora: Aurora PostgreSQL Serverless v2 for one account. Encrypted storage,
# a master password RDS generates and keeps in Secrets Manager (never in
# Terraform state), a subnet group in the database subnets, and a security
# group admitting only the listed groups and networks on the database port.

locals {
  version_parts = split(".", var.engine_version)
  major         = tonumber(local.version_parts[0])
  minor         = tonumber(local.version_parts[1])
  # First minor of each major that supports min_capacity = 0 (auto-pause).
  pause_minor = { 13 = 15, 14 = 12, 15 = 7, 16 = 3 }
  can_pause   = local.major > 16 || (contains(keys(local.pause_minor), tostring(local.major)) && local.minor >= lookup(local.pause_minor, tostring(local.major), 999))

  final_snapshot = var.final_snapshot_identifier != null ? var.final_snapshot_identifier : "${var.name}-final"
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

# No egress rules: the database starts no connections of its own.
resource "aws_security_group" "this" {
  name        = "${var.name}-db"
  description = "Aurora ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db" })
}

# Clients attach this group (ecs-service security_group_ids) and are let in.
# It lets the database be applied before its clients: admitting the
# services' own groups instead would need them first, while the services
# need the database's secret ARN, a cycle between units.
resource "aws_security_group" "clients" {
  name        = "${var.name}-db-clients"
  description = "Clients of Aurora ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db-clients" })
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from the client group"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.clients.id
}

# count, not for_each: group IDs usually come from another module.
resource "aws_vpc_security_group_ingress_rule" "from_groups" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from an allowed group"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

resource "aws_vpc_security_group_ingress_rule" "from_cidrs" {
  count = length(var.allowed_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "PostgreSQL from an allowed network"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = var.allowed_cidrs[count.index]
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = var.name
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.engine_version
  database_name      = var.database_name
  port               = var.port

  master_username               = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_user_secret_kms_key_id

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]

  storage_encrypted = true
  kms_key_id        = var.kms_key_id

  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : local.final_snapshot
  copy_tags_to_snapshot     = true

  backup_retention_period         = var.backup_retention_period
  preferred_backup_window         = var.preferred_backup_window
  apply_immediately               = var.apply_immediately
  enabled_cloudwatch_logs_exports = var.enabled_cloudwatch_logs_exports

  serverlessv2_scaling_configuration {
    min_capacity             = var.min_capacity
    max_capacity             = var.max_capacity
    seconds_until_auto_pause = var.min_capacity == 0 ? var.seconds_until_auto_pause : null
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.min_capacity <= var.max_capacity
      error_message = "min_capacity must not exceed max_capacity."
    }
    precondition {
      condition     = var.min_capacity > 0 || local.can_pause
      error_message = "min_capacity 0 (auto-pause) needs aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later."
    }
    precondition {
      condition     = var.seconds_until_auto_pause == null || var.min_capacity == 0
      error_message = "seconds_until_auto_pause only applies when min_capacity is 0."
    }
  }
}

resource "aws_rds_cluster_instance" "this" {
  count = var.instance_count

  identifier           = "${var.name}-${count.index + 1}"
  cluster_identifier   = aws_rds_cluster.this.id
  engine               = aws_rds_cluster.this.engine
  engine_version       = aws_rds_cluster.this.engine_version
  instance_class       = "db.serverless"
  db_subnet_group_name = aws_db_subnet_group.this.name
  publicly_accessible  = false
  apply_immediately    = var.apply_immediately

  # The version is pinned exactly (MAJOR.MINOR): an automatic minor upgrade
  # would make the next plan try to move the cluster back down. Upgrades are
  # a change of engine_version, reviewed like any other.
  auto_minor_version_upgrade = false

  tags = var.tags
}
