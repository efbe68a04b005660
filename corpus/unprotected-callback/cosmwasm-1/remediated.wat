;; CosmWasm pool factory (cosmwasm-std layout). `execute` instantiates a pool contract as a
;; submessage with reply id 1; `reply` takes the new contract's address from the reply and saves
;; it as the pool through `save_pool`. Remediated: `reply` matches `msg.id` (the first 8 bytes of
;; the decoded reply) against 1, the id of the pool instantiation, and returns an error for any
;; other id.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "instantiate" (func $instantiate))
  (export "execute" (func $execute))
  (export "reply" (func $reply))
  (data (i32.const 1048576) "pool{\22ok\22:{}}{\22error\22:\22unknown reply id\22}")

  (func $interface_version_8 (type $t))

  (func $allocate (type $t_i_i) (param $size i32) (result i32)
    (local $region i32)
    global.get $heap
    local.tee $region
    i32.const 12
    i32.add
    local.get $size
    i32.add
    global.set $heap
    local.get $region
    local.get $region
    i32.const 12
    i32.add
    i32.store
    local.get $region
    local.get $size
    i32.store offset=4
    local.get $region
    i32.const 0
    i32.store offset=8
    local.get $region)

  (func $deallocate (type $t_i) (param $region i32))

  ;; POOL.save(deps.storage, &addr)
  (func $save_pool (type $t_ii) (param $addr i32) (param $len i32)
    (local $kr i32) (local $vr i32)
    global.get $heap
    local.tee $kr
    i32.const 24
    i32.add
    global.set $heap
    local.get $kr
    i32.const 1048576
    i32.store
    local.get $kr
    i32.const 4
    i32.store offset=4
    local.get $kr
    i32.const 4
    i32.store offset=8
    local.get $kr
    i32.const 12
    i32.add
    local.tee $vr
    local.get $addr
    i32.store
    local.get $vr
    local.get $len
    i32.store offset=4
    local.get $vr
    local.get $len
    i32.store offset=8
    local.get $kr
    local.get $vr
    call $db_write
    )

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048580)

  ;; ExecuteMsg::CreatePool: Response::add_submessage(SubMsg::reply_on_success(instantiate, 1))
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048580)

  ;; reply(deps, env, msg: Reply): the instantiated contract address is at the start of the
  ;; decoded `result.data`
  (func $reply (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    (local $data i32)
    local.get $msg
    i32.load
    local.set $data
    ;; match msg.id { INSTANTIATE_POOL_ID => ..., id => Err(UnknownReplyId { id }) }
    local.get $data
    i64.load
    i64.const 1
    i64.ne
    if
      i32.const 1048592
      return
    end
    local.get $data
    i32.const 8
    i32.add
    local.get $data
    i32.load offset=4
    call $save_pool
    i32.const 1048580)
)
