#![no_std]
//! Bridge mint: an off-chain relayer (an Ethereum-style secp256k1 key) signs
//! keccak256(recipient || amount || nonce); anyone can submit the permit to mint wrapped tokens.
use soroban_sdk::{contract, contractevent, contractimpl, contracttype, xdr::ToXdr, Address, Bytes, BytesN, Env};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Relayer,
    UsedNonce(u64),
    Balance(Address),
}

#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Minted {
    #[topic]
    pub to: Address,
    pub amount: i128,
    pub signer: BytesN<65>,
}

#[contract]
pub struct BridgeMint;

#[contractimpl]
impl BridgeMint {
    /// `relayer` is the uncompressed SEC-1 public key (65 bytes) of the relayer.
    pub fn __constructor(env: Env, relayer: BytesN<65>) {
        env.storage().instance().set(&DataKey::Relayer, &relayer);
    }

    pub fn mint_with_permit(env: Env, to: Address, amount: i128, nonce: u64, signature: BytesN<64>, recovery_id: u32) {
        assert!(amount > 0, "bad amount");
        let nonce_key = DataKey::UsedNonce(nonce);
        assert!(!env.storage().persistent().has(&nonce_key), "nonce used");

        let mut payload = Bytes::new(&env);
        payload.append(&to.clone().to_xdr(&env));
        payload.extend_from_array(&amount.to_be_bytes());
        payload.extend_from_array(&nonce.to_be_bytes());
        let digest = env.crypto().keccak256(&payload);
        let signer = env.crypto().secp256k1_recover(&digest, &signature, recovery_id);

        #[cfg(not(feature = "vulnerable"))]
        {
            let relayer: BytesN<65> = env.storage().instance().get(&DataKey::Relayer).unwrap();
            assert!(signer == relayer, "permit not signed by the relayer");
        }

        env.storage().persistent().set(&nonce_key, &true);
        let balance: i128 = env.storage().persistent().get(&DataKey::Balance(to.clone())).unwrap_or(0);
        env.storage().persistent().set(&DataKey::Balance(to.clone()), &(balance + amount));
        Minted { to, amount, signer }.publish(&env);
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        env.storage().persistent().get(&DataKey::Balance(id)).unwrap_or(0)
    }
}
