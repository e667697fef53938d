# rds: a plain RDS for PostgreSQL instance, for accounts that do not want
# Aurora. Same posture as aurora: encrypted storage, RDS-managed master
# password in Secrets Manager, never publicly accessible, database subnets,
# ingress only from the listed groups and networks.

locals {
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
  description = "RDS ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db" })
}

# Clients attach this group (ecs-service security_group_ids) and are let in.
# It lets the database be applied before its clients: admitting the
# services' own groups instead would need them first, while the services
# need the database's secret ARN, a cycle between units.
resource "aws_security_group" "clients" {
  name        = "${var.name}-db-clients"
  description = "Clients of RDS ${var.name}"
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

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  port           = var.port

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_user_secret_kms_key_id

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_id

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az

  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : local.final_snapshot
  copy_tags_to_snapshot     = true

  backup_retention_period = var.backup_retention_period
  backup_window           = var.preferred_backup_window
  apply_immediately       = var.apply_immediately

  # "16" pins the major only: AWS may upgrade minors and Terraform accepts
  # any 16.x. "16.4" pins exactly: automatic upgrades would make the next
  # plan try to downgrade, so they are off and upgrades are explicit.
  auto_minor_version_upgrade = !strcontains(var.engine_version, ".")

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.max_allocated_storage == null ? true : var.max_allocated_storage > var.allocated_storage
      error_message = "max_allocated_storage must exceed allocated_storage."
    }
  }
}
