#![no_std]
//! Event-ticket vouchers. The ticketing backend hands each buyer a redemption code; the contract
//! checks the code and mints an on-chain ticket to the buyer.
use soroban_sdk::{contract, contractimpl, contracttype, Address, BytesN, Env};
use soroban_sdk::{xdr::ToXdr, Bytes};

/// Shared with the backend, which derives codes as sha256(VOUCHER_KEY || buyer || ticket_id).
#[cfg(feature = "vulnerable")]
const VOUCHER_KEY: [u8; 32] = [
    0x4b, 0x1f, 0x9e, 0x27, 0xc3, 0x58, 0x0d, 0xa6, 0x91, 0x3e, 0x7c, 0x02, 0xf5, 0x6b, 0xd8, 0x44,
    0x2a, 0xe0, 0x19, 0x8f, 0x73, 0xbc, 0x05, 0x6d, 0xc1, 0x38, 0x9a, 0x57, 0xee, 0x12, 0x84, 0x3b,
];

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Organizer,
    /// ed25519 public key of the ticketing backend (remediated build)
    BackendKey,
    Ticket(u64),
}

#[contract]
pub struct Tickets;

#[contractimpl]
impl Tickets {
    pub fn __constructor(env: Env, organizer: Address, backend_key: BytesN<32>) {
        env.storage().instance().set(&DataKey::Organizer, &organizer);
        env.storage().instance().set(&DataKey::BackendKey, &backend_key);
    }

    pub fn owner_of(env: Env, ticket_id: u64) -> Option<Address> {
        env.storage().persistent().get(&DataKey::Ticket(ticket_id))
    }
}

impl Tickets {
    fn issue(env: &Env, ticket_id: u64, buyer: Address) {
        let key = DataKey::Ticket(ticket_id);
        assert!(!env.storage().persistent().has(&key), "ticket already issued");
        env.storage().persistent().set(&key, &buyer);
    }
}

#[cfg(feature = "vulnerable")]
#[contractimpl]
impl Tickets {
    pub fn redeem(env: Env, buyer: Address, ticket_id: u64, code: BytesN<32>) {
        buyer.require_auth();
        let mut preimage = Bytes::from_array(&env, &VOUCHER_KEY);
        preimage.append(&buyer.clone().to_xdr(&env));
        preimage.extend_from_array(&ticket_id.to_be_bytes());
        let expected: BytesN<32> = env.crypto().sha256(&preimage).into();
        assert!(code == expected, "invalid voucher code");
        Self::issue(&env, ticket_id, buyer);
    }
}

#[cfg(not(feature = "vulnerable"))]
#[contractimpl]
impl Tickets {
    /// `signature` is the backend's ed25519 signature over (buyer || ticket_id).
    pub fn redeem(env: Env, buyer: Address, ticket_id: u64, signature: BytesN<64>) {
        buyer.require_auth();
        let backend_key: BytesN<32> = env.storage().instance().get(&DataKey::BackendKey).unwrap();
        let mut message = Bytes::new(&env);
        message.append(&buyer.clone().to_xdr(&env));
        message.extend_from_array(&ticket_id.to_be_bytes());
        env.crypto().ed25519_verify(&backend_key, &message, &signature);
        Self::issue(&env, ticket_id, buyer);
    }
}
