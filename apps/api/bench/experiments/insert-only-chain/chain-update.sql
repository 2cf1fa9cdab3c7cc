select coalesce(max(chain_seq), 0) as s from ev where chain_seq is not null \gset
update ev set seal = 'ledger-v2:k1:' || md5(ev.id::text) || md5(ev.id::text), chain_seq = :s + p.rn, chain_mac = 'ledger-v2:k1:' || md5(p.rn::text) || md5(ev.id::text) from (select id, row_number() over (order by id) rn from ev where chain_seq is null order by id limit 128) p where ev.id = p.id;
