//! OriginWallet: a simple contract wallet that holds ETH for its owner and
//! executes payments on the owner's behalf.
//!
//! With `--features vulnerable` the owner check uses `tx_origin()` (Solidity's
//! `tx.origin`) so that the owner can also drive the wallet through other
//! contracts (a batching helper). Any contract the owner interacts with can
//! then call `pay` and drain the wallet within the owner's transaction. The
//! remediation checks the immediate caller, `msg_sender()`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_sol_types::sol;
use stylus_sdk::{
    alloy_primitives::{Address, U256},
    call::transfer::transfer_eth,
    prelude::*,
};

sol! {
    error NotOwner(address account);
    error PaymentFailed(address to, uint256 amount);

    event Paid(address indexed to, uint256 amount);
}

#[derive(SolidityError)]
pub enum WalletError {
    NotOwner(NotOwner),
    PaymentFailed(PaymentFailed),
}

sol_storage! {
    #[entrypoint]
    pub struct OriginWallet {
        address owner;
        uint256 nonce;
    }
}

#[public]
impl OriginWallet {
    pub fn claim_ownership(&mut self) -> Result<(), WalletError> {
        if self.owner.get() != Address::ZERO {
            return Err(WalletError::NotOwner(NotOwner { account: self.vm().msg_sender() }));
        }
        self.owner.set(self.vm().msg_sender());
        Ok(())
    }

    #[payable]
    pub fn fund(&mut self) {}

    pub fn pay(&mut self, to: Address, amount: U256) -> Result<(), WalletError> {
        self.only_owner()?;
        self.nonce.set(self.nonce.get() + U256::from(1u8));
        transfer_eth(self.vm(), to, amount)
            .map_err(|_| WalletError::PaymentFailed(PaymentFailed { to, amount }))?;
        self.vm().log(Paid { to, amount });
        Ok(())
    }

    pub fn set_owner(&mut self, new_owner: Address) -> Result<(), WalletError> {
        self.only_owner()?;
        self.owner.set(new_owner);
        Ok(())
    }

    pub fn owner(&self) -> Address {
        self.owner.get()
    }
}

impl OriginWallet {
    fn only_owner(&self) -> Result<(), WalletError> {
        #[cfg(feature = "vulnerable")]
        let account = self.vm().tx_origin();
        #[cfg(not(feature = "vulnerable"))]
        let account = self.vm().msg_sender();
        if account != self.owner.get() {
            return Err(WalletError::NotOwner(NotOwner { account }));
        }
        Ok(())
    }
}
