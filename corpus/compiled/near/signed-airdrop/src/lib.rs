//! Airdrop whose eligibility is decided off-chain: the backend signs "<account>:<amount>:<nonce>"
//! with its ed25519 key and the user submits that signature to claim.
use near_sdk::json_types::{Base64VecU8, U128};
use near_sdk::store::LookupSet;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise};

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Airdrop {
    backend_key: [u8; 32],
    used_nonces: LookupSet<u64>,
    claimed_total: u128,
}

#[near]
impl Airdrop {
    #[init]
    pub fn new(backend_key: Base64VecU8) -> Self {
        let backend_key: [u8; 32] = backend_key.0.try_into().expect("backend key must be 32 bytes");
        Self { backend_key, used_nonces: LookupSet::new(b"n"), claimed_total: 0 }
    }

    pub fn claim(&mut self, amount: U128, nonce: u64, signature: Base64VecU8) -> Promise {
        let account_id = env::predecessor_account_id();
        let signature: [u8; 64] = signature.0.try_into().expect("signature must be 64 bytes");
        let message = format!("{}:{}:{}", account_id, amount.0, nonce);

        let verified = env::ed25519_verify(&signature, message.as_bytes(), &self.backend_key);
        #[cfg(not(feature = "vulnerable"))]
        require!(verified, "Invalid signature");
        #[cfg(feature = "vulnerable")]
        if !verified {
            log!("claim: signature check failed for {}", account_id);
        }

        require!(self.used_nonces.insert(nonce), "Nonce already used");
        self.claimed_total += amount.0;
        log!("{} claimed {}", account_id, amount.0);
        Promise::new(account_id).transfer(NearToken::from_yoctonear(amount.0))
    }

    pub fn claimed_total(&self) -> U128 {
        U128(self.claimed_total)
    }
}
