\set c random(0, 49)
insert into ev2 (company_id, connector_id, credential_id, version, action, actor, request_id) values (('00000000-0000-0000-0000-' || lpad(:c::text, 12, '0'))::uuid, gen_random_uuid(), gen_random_uuid(), 3, 'read', gen_random_uuid(), 'req-x');
