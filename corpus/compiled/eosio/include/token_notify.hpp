// Unpacking of an eosio.token::transfer notification:
// struct transfer { name from; name to; asset quantity; string memo; }
#pragma once
#include "eosiolib_lite.hpp"

namespace eosio {
struct transfer_args {
   name from;
   name to;
   asset quantity;
   string_ref memo;
};

inline transfer_args read_transfer_args(datastream& ds) {
   transfer_args t;
   unpack(ds, t.from.value);
   unpack(ds, t.to.value);
   unpack(ds, t.quantity.amount);
   unpack(ds, t.quantity.sym.value);
   unpack(ds, t.memo);
   return t;
}
}  // namespace eosio
