// timelock: a treasury that can only pay out after a delay. The treasury
// account itself (its multisig active permission) schedules payouts; each
// payout is executed by a deferred transaction once the delay has passed.
// The treasury can also rotate its own signers with an inline updateauth.
// Every privileged action requires the contract's own authority; block data
// (tapos, current_time) is only logged and used for deadlines, never to pick
// an outcome.
#include "eosiolib_lite.hpp"

using namespace eosio;

struct __attribute__((packed)) payout_row {
   uint64_t id;
   name to;
   asset quantity;
   uint64_t not_before;     // microseconds
   uint32_t scheduled_block;  // tapos block of the scheduling transaction, for auditors
   uint64_t primary_key() const { return id; }
};
using payouts_table = multi_index<"payouts"_n.value, payout_row>;

struct __attribute__((packed)) meta_row {
   uint64_t next_id;
};
using meta_singleton = singleton<"meta"_n.value, meta_row>;

static void pack_action_header(datastream& ds, name account, name act, permission_level auth) {
   pack(ds, account.value);
   pack(ds, act.value);
   pack_varuint32(ds, 1);
   pack(ds, auth.actor.value);
   pack(ds, auth.permission.value);
}

class timelock : public contract {
 public:
   using contract::contract;

   // [[eosio::action]]
   void schedule(name to, asset quantity, uint32_t delay_sec) {
      require_auth(get_self().value);
      check(is_account(to.value), "to account does not exist");
      check(quantity.sym == EOS_SYMBOL && quantity.amount > 0 && quantity.is_amount_within_range(), "bad quantity");
      check(delay_sec >= 3600 && delay_sec <= 30 * 86400, "delay must be 1h..30d");

      meta_singleton m(get_self(), get_self().value);
      meta_row meta = m.get_or_default(meta_row{1});
      payouts_table p(get_self(), get_self().value);
      uint64_t id = meta.next_id++;
      p.emplace(get_self(), payout_row{id, to, quantity, current_time() + uint64_t(delay_sec) * 1000000ull,
                                       uint32_t(tapos_block_num())});
      m.set(meta, get_self());

      // deferred transaction { header; context_free_actions; actions[execute(id)]; extensions }
      char buf[256];
      datastream ds(buf, sizeof(buf));
      pack(ds, uint32_t(current_time() / 1000000 + delay_sec + 3600));  // expiration
      pack(ds, uint16_t(0));                                              // ref_block_num
      pack(ds, uint32_t(0));                                              // ref_block_prefix
      pack_varuint32(ds, 0);                                              // max_net_usage_words
      pack(ds, uint8_t(0));                                               // max_cpu_usage_ms
      pack_varuint32(ds, delay_sec);                                      // delay_sec
      pack_varuint32(ds, 0);                                              // context free actions
      pack_varuint32(ds, 1);
      pack_action_header(ds, get_self(), "execute"_n, {get_self(), "active"_n});
      pack_varuint32(ds, 8);
      pack(ds, id);
      pack_varuint32(ds, 0);  // extensions
      unsigned __int128 sender_id = (unsigned __int128)(get_self().value) << 64 | id;
      send_deferred(&sender_id, get_self().value, buf, ds.tellp(), 0);
   }

   // [[eosio::action]]
   void execute(uint64_t id) {
      require_auth(get_self().value);
      payouts_table p(get_self(), get_self().value);
      int32_t itr = p.find(id);
      payout_row row = p.get(itr, "no such payout");
      check(current_time() >= row.not_before, "payout is still locked");
      p.erase(itr);
      static const char memo[] = "timelock payout";
      token_transfer("eosio.token"_n, get_self(), row.to, row.quantity, memo, sizeof(memo) - 1);
   }

   // [[eosio::action]]
   void cancel(uint64_t id) {
      require_auth(get_self().value);
      payouts_table p(get_self(), get_self().value);
      int32_t itr = p.find(id);
      p.get(itr, "no such payout");
      p.erase(itr);
      unsigned __int128 sender_id = (unsigned __int128)(get_self().value) << 64 | id;
      cancel_deferred(&sender_id);
   }

   // [[eosio::action]] rotate the treasury's active signer set (2-of-3 accounts)
   void setsigners(name a, name b, name c) {
      require_auth(get_self().value);
      check(a < b && b < c, "signers must be distinct and sorted");
      check(is_account(a.value) && is_account(b.value) && is_account(c.value), "unknown signer");
      action_builder act({get_self(), "owner"_n}, "eosio"_n, "updateauth"_n);
      pack(act.payload, get_self().value);
      pack(act.payload, "active"_n.value);
      pack(act.payload, "owner"_n.value);
      pack(act.payload, uint32_t(2));
      pack_varuint32(act.payload, 0);
      pack_varuint32(act.payload, 3);
      const name signers[3] = {a, b, c};
      for (name n : signers) {
         pack(act.payload, n.value);
         pack(act.payload, "active"_n.value);
         pack(act.payload, uint16_t(1));
      }
      pack_varuint32(act.payload, 0);
      act.send();
   }
};

extern "C" void apply(uint64_t receiver, uint64_t code, uint64_t action) {
   if (code != receiver) return;
   timelock self{name(receiver), name(code)};
   action_reader r;
   switch (action) {
      case "schedule"_n.value: {
         name to;
         asset q;
         uint32_t delay;
         unpack(r.ds, to.value);
         unpack(r.ds, q.amount);
         unpack(r.ds, q.sym.value);
         unpack(r.ds, delay);
         self.schedule(to, q, delay);
         break;
      }
      case "execute"_n.value: {
         uint64_t id;
         unpack(r.ds, id);
         self.execute(id);
         break;
      }
      case "cancel"_n.value: {
         uint64_t id;
         unpack(r.ds, id);
         self.cancel(id);
         break;
      }
      case "setsigners"_n.value: {
         name a, b, c;
         unpack(r.ds, a.value);
         unpack(r.ds, b.value);
         unpack(r.ds, c.value);
         self.setsigners(a, b, c);
         break;
      }
      default:
         eosio_assert_code(false, 1);
   }
}
