"""Emulator gaps behind the VPN hub (stdlib/modules/transit-gateway and
transit-gateway-attachment), patched like the others.

moto 5.2 keeps each account's EC2 and RAM state apart and does not model
RAM sharing across accounts (facts measured with moto 5.2.1):
1. RAM AssociateResourceShare, DisassociateResourceShare, ListResources and
   ListResourceSharePermissions are missing (HTTP 404):
   aws_ram_principal_association, aws_ram_resource_association, the
   aws_ram_resource_share resource and data source (resource_arns) use them.
2. RAM GetResourceShares raises NotImplementedError for resourceOwner
   OTHER-ACCOUNTS, and ignores the `name` filter.
3. EC2 knows a Transit Gateway only in its owner's account: a consumer the
   gateway is shared with cannot describe it, attach a VPC to it
   (InvalidTransitGatewayID) or route to it (the route loses its target).
   AWS lets consumers do all three; the owner sees their attachments,
   accepted automatically with auto_accept_shared_attachments, in the
   gateway's default route table.
4. CreateTransitGatewayVpcAttachment reads the tags of its TagSpecification
   under the wrong resource type (transit-gateway-route-table), so the
   attachment's Name tag is lost and every plan wants to add it.
5. A static Transit Gateway route keeps its attachment as an object where
   the API has a list: it is answered as [], and Terraform reads the route
   as a blackhole and replaces it on every plan.
6. A deleted VPC attachment vanishes at once, where AWS shows it as
   `deleted` for a while: the provider's delete waiter, which waits for
   that state, times out after minutes (every destroy fails).
7. RAM keeps no tags (CreateResourceShare's, TagResource, UntagResource):
   every plan wants to add the share's Name tag.
Sharing is modelled as AWS does inside an organisation with RAM sharing
enabled: a principal of an ACTIVE share has the resource at once, with no
invitation.
"""
import json
import sys


def _warn(msg):
    print(f"patch_tgw: {msg}", file=sys.stderr)


def _share_key(share):
    return share.arn


def _shares(region):
    """Every live share in the region, with its owner's account id."""
    from moto.ram.models import ram_backends

    for account_id, regions in list(ram_backends.items()):
        backend = regions.get(region) if hasattr(regions, "get") else None
        if backend is None:
            continue
        for share in backend.resource_shares:
            if share.status != "DELETED":
                yield account_id, share


def _find_share(region, arn):
    for _, share in _shares(region):
        if share.arn == arn:
            return share
    return None


def _shared_with(region, account_id, resource_arn):
    """Whether a live share carries resource_arn to account_id."""
    for owner, share in _shares(region):
        if owner != account_id and account_id in share.principals and resource_arn in share.resource_arns:
            return True
    return False


def _patch_ram():
    from moto.ram import responses, urls
    from moto.ram.exceptions import UnknownResourceException

    R = responses.ResourceAccessManagerResponse

    def associate_resource_share(self):
        p = self.request_params
        share = _find_share(self.region, p.get("resourceShareArn"))
        if share is None or share.owning_account_id != self.current_account:
            raise UnknownResourceException(f"ResourceShare {p.get('resourceShareArn')} could not be found.")
        new_principals = [x for x in p.get("principals", []) if x not in share.principals]
        new_resources = [x for x in p.get("resourceArns", []) if x not in share.resource_arns]
        share.add_principals(new_principals)
        share.add_resources(new_resources)
        out = [{"resourceShareArn": share.arn, "resourceShareName": share.name, "associatedEntity": e,
                "associationType": t, "status": "ASSOCIATED", "external": False}
               for t, es in (("PRINCIPAL", new_principals), ("RESOURCE", new_resources)) for e in es]
        return json.dumps({"resourceShareAssociations": out})

    def disassociate_resource_share(self):
        p = self.request_params
        share = _find_share(self.region, p.get("resourceShareArn"))
        if share is None or share.owning_account_id != self.current_account:
            raise UnknownResourceException(f"ResourceShare {p.get('resourceShareArn')} could not be found.")
        gone = set(p.get("principals", [])) | set(p.get("resourceArns", []))
        share.principals = [x for x in share.principals if x not in gone]
        share.resource_arns = [x for x in share.resource_arns if x not in gone]
        out = [{"resourceShareArn": share.arn, "associatedEntity": e, "status": "DISASSOCIATED"} for e in gone]
        return json.dumps({"resourceShareAssociations": out})

    def visible(self, owner):
        """The live shares the caller sees as owner SELF or OTHER-ACCOUNTS."""
        me = self.current_account
        for acct, share in _shares(self.region):
            if owner == "SELF" and acct == me:
                yield share
            elif owner == "OTHER-ACCOUNTS" and acct != me and me in share.principals:
                yield share

    def get_resource_shares(self):
        p = self.request_params
        owner = p.get("resourceOwner")
        if owner == "SELF" and not p.get("name") and not p.get("resourceShareArns"):
            return orig_get(self)       # moto's answer, deleted shares included
        shares = [s.describe() for s in visible(self, owner)
                  if (not p.get("name") or s.name == p["name"])
                  and (not p.get("resourceShareArns") or s.arn in p["resourceShareArns"])]
        for s in shares:
            s.pop("featureSet", None)
        return json.dumps({"resourceShares": shares})

    def list_resources(self):
        p = self.request_params
        out = []
        for share in visible(self, p.get("resourceOwner")):
            if p.get("resourceShareArns") and share.arn not in p["resourceShareArns"]:
                continue
            for arn in share.resource_arns:
                rtype = arn.split(":")[2] + ":" + arn.split(":")[5].split("/")[0].title().replace("-", "")
                if p.get("resourceType") and p["resourceType"].lower() != rtype.lower():
                    continue
                out.append({"arn": arn, "type": rtype, "resourceShareArn": share.arn,
                            "status": "AVAILABLE", "resourceRegionScope": "REGIONAL"})
        return json.dumps({"resources": out})

    def list_resource_share_permissions(self):
        # the share uses its resource type's default permission; nothing is attached by name
        return json.dumps({"permissions": []})

    from moto.ram.models import ResourceShare

    orig_init, orig_describe = ResourceShare.__init__, ResourceShare.describe

    def share_init(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        self.sfd_tags = {t["key"]: t.get("value", "") for t in kwargs.get("tags", []) or []}

    def share_describe(self):
        d = orig_describe(self)
        d["tags"] = [{"key": k, "value": v} for k, v in sorted(getattr(self, "sfd_tags", {}).items())]
        return d

    def tag_resource(self):
        p = self.request_params
        share = _find_share(self.region, p.get("resourceShareArn"))
        if share is None:
            raise UnknownResourceException(f"ResourceShare {p.get('resourceShareArn')} could not be found.")
        share.sfd_tags.update({t["key"]: t.get("value", "") for t in p.get("tags", [])})
        return json.dumps({})

    def untag_resource(self):
        p = self.request_params
        share = _find_share(self.region, p.get("resourceShareArn"))
        if share is None:
            raise UnknownResourceException(f"ResourceShare {p.get('resourceShareArn')} could not be found.")
        for k in p.get("tagKeys", []):
            share.sfd_tags.pop(k, None)
        return json.dumps({})

    ResourceShare.__init__, ResourceShare.describe = share_init, share_describe
    R.tag_resource, R.untag_resource = tag_resource, untag_resource
    orig_get = R.get_resource_shares
    R.list_resource_share_permissions = list_resource_share_permissions
    R.associate_resource_share = associate_resource_share
    R.disassociate_resource_share = disassociate_resource_share
    R.get_resource_shares = get_resource_shares
    R.list_resources = list_resources
    for path in ("associateresourceshare", "disassociateresourceshare", "listresources",
                 "listresourcesharepermissions", "tagresource", "untagresource"):
        urls.url_paths["{0}/" + path + "$"] = R.dispatch


def _patch_ec2():
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.transit_gateway import TransitGatewayBackend
    from moto.ec2.models.transit_gateway_attachments import (
        TransitGatewayAttachmentBackend,
        TransitGatewayVpcAttachment,
    )
    from moto.ec2.models.route_tables import RouteBackend

    def shared_tgw(backend, tgw_id):
        """(owner backend, gateway) of a gateway shared with backend's account."""
        for account_id, regions in list(ec2_backends.items()):
            if account_id == backend.account_id:
                continue
            owner = regions.get(backend.region_name) if hasattr(regions, "get") else None
            tgw = owner.transit_gateways.get(tgw_id) if owner is not None else None
            if tgw is not None and _shared_with(backend.region_name, backend.account_id, tgw.arn):
                return owner, tgw
        return None, None

    orig_describe = TransitGatewayBackend.describe_transit_gateways

    def describe_transit_gateways(self, filters, transit_gateway_ids):
        result = list(orig_describe(self, filters, transit_gateway_ids))
        for tgw_id in transit_gateway_ids or []:
            if tgw_id not in self.transit_gateways:
                _, tgw = shared_tgw(self, tgw_id)
                if tgw is not None:
                    result.append(tgw)
        return result

    orig_attach = TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment

    def create_transit_gateway_vpc_attachment(self, transit_gateway_id, vpc_id, subnet_ids, tags=None, options=None):
        for k, a in list(self.transit_gateway_attachments.items()):   # a deleted one is no duplicate
            if a.state == "deleted" and getattr(a, "vpc_id", None) == vpc_id and a.transit_gateway_id == transit_gateway_id:
                del self.transit_gateway_attachments[k]
        owner, tgw = (None, None) if transit_gateway_id in self.transit_gateways else shared_tgw(self, transit_gateway_id)
        if tgw is None:
            return orig_attach(self, transit_gateway_id=transit_gateway_id, vpc_id=vpc_id,
                               subnet_ids=subnet_ids, tags=tags, options=options)
        att = TransitGatewayVpcAttachment(self, transit_gateway=tgw, tags=tags, vpc_id=vpc_id,
                                          subnet_ids=subnet_ids, options=options)
        self.transit_gateway_attachments[att.id] = att
        owner.transit_gateway_attachments[att.id] = att     # the owner sees it, accepted
        rt = tgw.default_route_table.id
        owner.set_route_table_association(transit_gateway_attachment_id=att.id, transit_gateway_route_table_id=rt)
        owner.set_route_table_propagation(transit_gateway_attachment_id=att.id, transit_gateway_route_table_id=rt)
        return att

    orig_detach = TransitGatewayAttachmentBackend.delete_transit_gateway_vpc_attachment

    def delete_transit_gateway_vpc_attachment(self, transit_gateway_attachment_id):
        att = self.transit_gateway_attachments.get(transit_gateway_attachment_id)
        tgw_id = getattr(att, "transit_gateway_id", None)
        owner, tgw = (None, None) if tgw_id is None or tgw_id in self.transit_gateways else shared_tgw(self, tgw_id)
        if owner is None and tgw_id is not None and tgw_id not in self.transit_gateways:
            # the share may be gone already: find the owner by the gateway alone
            for account_id, regions in list(ec2_backends.items()):
                b = regions.get(self.region_name) if hasattr(regions, "get") else None
                if b is not None and tgw_id in b.transit_gateways:
                    owner, tgw = b, b.transit_gateways[tgw_id]
        if owner is not None:
            owner.transit_gateway_attachments.pop(transit_gateway_attachment_id, None)
            table = owner.transit_gateways_route_tables.get(tgw.default_route_table.id)
            if table is not None:
                table.route_table_associations.pop(transit_gateway_attachment_id, None)
                table.route_table_propagation = [p for p in table.route_table_propagation
                                                 if p.transitGatewayAttachmentId != transit_gateway_attachment_id]
        gone = orig_detach(self, transit_gateway_attachment_id)
        self.transit_gateway_attachments[gone.id] = gone    # visible as `deleted`, as in AWS
        return gone

    orig_route = RouteBackend.create_route

    def create_route(self, route_table_id, destination_cidr_block, *args, **kwargs):
        tgw_id = kwargs.get("transit_gateway_id")
        added = None
        if tgw_id and tgw_id not in self.transit_gateways:
            _, tgw = shared_tgw(self, tgw_id)
            if tgw is not None:
                self.transit_gateways[tgw_id] = added = tgw   # only while the route is made
        try:
            return orig_route(self, route_table_id, destination_cidr_block, *args, **kwargs)
        finally:
            if added is not None:
                self.transit_gateways.pop(tgw_id, None)

    from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment as Resp

    orig_parse = Resp._parse_tag_specification

    def parse_tags(self, *args, **kwargs):
        tags = orig_parse(self, *args, **kwargs)
        # only attachments are tagged as transit-gateway-attachment
        if "transit-gateway-attachment" in tags and "transit-gateway-route-table" not in tags:
            tags = dict(tags, **{"transit-gateway-route-table": tags["transit-gateway-attachment"]})
        return tags

    Resp._parse_tag_specification = parse_tags
    from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend

    orig_tgw_route = TransitGatewayRouteTableBackend.create_transit_gateway_route

    def create_transit_gateway_route(self, *args, **kwargs):
        route = orig_tgw_route(self, *args, **kwargs)
        att = route.get("transitGatewayAttachments")
        if isinstance(att, dict):           # a list in the API: serialised as [] otherwise
            route["transitGatewayAttachments"] = [att]
        return route

    TransitGatewayRouteTableBackend.create_transit_gateway_route = create_transit_gateway_route
    TransitGatewayBackend.describe_transit_gateways = describe_transit_gateways
    TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment
    TransitGatewayAttachmentBackend.delete_transit_gateway_vpc_attachment = delete_transit_gateway_vpc_attachment
    RouteBackend.create_route = create_route


def apply():
    """Install every patch once."""
    for name, fn in (("ram", _patch_ram), ("ec2 shared transit gateways", _patch_ec2)):
        try:
            fn()
        except Exception as e:  # a moved patch target must not stop the emulator
            _warn(f"{name} patch not applied: {type(e).__name__}: {e}")
