# load-balancer: an Application Load Balancer, internal unless declared
# public, whose security group admits only the given networks on 80/443 and
# may only talk to the VPC on the target port (egress is explicit because
# aws_security_group drops AWS's default allow-all egress). HTTPS when a
# certificate is given, with HTTP redirected to it; ip targets for awsvpc.

locals {
  https = var.certificate_arn != null
  ports = local.https ? [80, 443] : [80]

  # One ingress rule per (port, CIDR), in a fixed order.
  ingress = [for pair in setproduct(local.ports, var.ingress_cidrs) : { port = pair[0], cidr = pair[1] }]
}

resource "aws_security_group" "this" {
  name        = "${var.name}-alb"
  description = "Load balancer ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    precondition {
      condition     = var.public || !anytrue([for c in var.ingress_cidrs : endswith(c, "/0")])
      error_message = "an internal (VPN-only) load balancer cannot admit 0.0.0.0/0; declare it public or list the VPN CIDR."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  count = length(local.ingress)

  security_group_id = aws_security_group.this.id
  description       = "listener ${local.ingress[count.index].port}"
  ip_protocol       = "tcp"
  from_port         = local.ingress[count.index].port
  to_port           = local.ingress[count.index].port
  cidr_ipv4         = local.ingress[count.index].cidr
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.this.id
  description       = "to targets and health checks"
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = !var.public
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.this.id]
  idle_timeout               = var.idle_timeout
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  name                 = var.name
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = var.target_port
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check_path
    matcher             = var.health_check_matcher
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }

  tags = var.tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  dynamic "default_action" {
    for_each = local.https ? [] : [1]
    content {
      type             = "forward"
      target_group_arn = aws_lb_target_group.this.arn
    }
  }

  dynamic "default_action" {
    for_each = local.https ? [1] : []
    content {
      type = "redirect"
      redirect {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags
}
