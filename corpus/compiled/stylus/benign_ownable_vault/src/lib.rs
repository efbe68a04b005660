//! OwnableVault: a treasury done carefully. Owner-only administration through
//! `only_owner()` on msg_sender, a pause flag checked by every fund-moving
//! method, allowances debited before the ETH leaves (checks-effects-
//! interactions), checked arithmetic and handled call results.
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
    error NotOwner(address caller);
    error Paused();
    error InsufficientAllowance(address spender, uint256 have, uint256 want);
    error Overflow();
    error TransferFailed(address to, uint256 amount);

    event Granted(address indexed spender, uint256 amount);
    event Spent(address indexed spender, address indexed to, uint256 amount);
}

#[derive(SolidityError)]
pub enum VaultError {
    NotOwner(NotOwner),
    Paused(Paused),
    InsufficientAllowance(InsufficientAllowance),
    Overflow(Overflow),
    TransferFailed(TransferFailed),
}

sol_storage! {
    #[entrypoint]
    pub struct OwnableVault {
        address owner;
        bool paused;
        mapping(address => uint256) allowances;
    }
}

#[public]
impl OwnableVault {
    pub fn initialize(&mut self) -> Result<(), VaultError> {
        if self.owner.get() != Address::ZERO {
            return Err(VaultError::NotOwner(NotOwner { caller: self.vm().msg_sender() }));
        }
        self.owner.set(self.vm().msg_sender());
        Ok(())
    }

    #[payable]
    pub fn fund(&mut self) {}

    pub fn set_paused(&mut self, paused: bool) -> Result<(), VaultError> {
        self.only_owner()?;
        self.paused.set(paused);
        Ok(())
    }

    pub fn grant(&mut self, spender: Address, amount: U256) -> Result<(), VaultError> {
        self.only_owner()?;
        self.when_not_paused()?;
        let current = self.allowances.get(spender);
        let updated = current.checked_add(amount).ok_or(VaultError::Overflow(Overflow {}))?;
        self.allowances.insert(spender, updated);
        self.vm().log(Granted { spender, amount });
        Ok(())
    }

    pub fn spend(&mut self, to: Address, amount: U256) -> Result<(), VaultError> {
        self.when_not_paused()?;
        let spender = self.vm().msg_sender();
        let have = self.allowances.get(spender);
        if have < amount {
            return Err(VaultError::InsufficientAllowance(InsufficientAllowance { spender, have, want: amount }));
        }
        self.allowances.insert(spender, have - amount);
        transfer_eth(self.vm(), to, amount)
            .map_err(|_| VaultError::TransferFailed(TransferFailed { to, amount }))?;
        self.vm().log(Spent { spender, to, amount });
        Ok(())
    }

    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), VaultError> {
        self.only_owner()?;
        self.owner.set(new_owner);
        Ok(())
    }

    pub fn allowance(&self, spender: Address) -> U256 {
        self.allowances.get(spender)
    }
}

impl OwnableVault {
    fn only_owner(&self) -> Result<(), VaultError> {
        let caller = self.vm().msg_sender();
        if caller != self.owner.get() {
            return Err(VaultError::NotOwner(NotOwner { caller }));
        }
        Ok(())
    }

    fn when_not_paused(&self) -> Result<(), VaultError> {
        if self.paused.get() {
            return Err(VaultError::Paused(Paused {}));
        }
        Ok(())
    }
}
